"""Drives a Red Butler server with the PyPI GeoReport v2 client `open311` 1.1, as it is (plus the
Python 3 fixes of scripts/open311-client). Prints what every call returned, as JSON.
usage: python3 tests/open311_client.py CLIENT_DIR BASE_URL API_KEY COMPOUND_ID"""
import json
import sys

client_dir, base, key, compound = sys.argv[1:5]
sys.path.insert(0, client_dir)
from open311 import Open311  # noqa: E402


def one_or_list(x):
    return x if isinstance(x, list) else [x]


out = {}
xml = Open311(endpoint=base + "/open311/v2", api_key=key, format="xml")
services = one_or_list(xml.service_list())
out["service_codes"] = [s["service_code"] for s in services]
definition = xml.service_definition("pets_noise")
out["definition_code"] = definition["service_definition"]["service_code"]
posted = xml.post_service_request(service_code="pets_noise", address_id=compound,
                                  description="3栋楼下的狗整夜叫", first_name="Li", last_name="Ming")
request_id = posted["service_requests"]["request"]["service_request_id"]
out["posted_id"] = request_id
one = xml.get_service_request(request_id)
out["one_status"] = one["service_requests"]["request"]["status"]
out["one_code"] = one["service_requests"]["request"]["service_code"]
listed = one_or_list(xml.service_requests(service_code="pets_noise"))
out["listed_ids"] = [r["service_request_id"] for r in listed]
token = one_or_list(xml.request_id_from_token(request_id))
out["token_id"] = token[0]["service_request_id"]

js = Open311(endpoint=base + "/open311/v2", api_key=key, format="json")
out["json_definition_code"] = js.service_definition("parking")["service_code"]
posted = js.post_service_request(service_code="parking", address_id=compound, description="消防通道被堵")
out["json_posted_id"] = posted[0]["service_request_id"]
out["json_one_status"] = js.get_service_request(posted[0]["service_request_id"])[0]["status"]
print(json.dumps(out, ensure_ascii=False))
