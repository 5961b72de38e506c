//! The owners' decisions part of the JSON API (`/api/v1/decisions…`, meeting demands).
use crate::db::decisions::{DecisionLine, DemandRow, HeadRow, ItemProgress, QuestionRow};
use crate::error::AppResult;
use crate::http::AppState;
use crate::http::api::{ApiError, ApiJson, ApiPath, ApiQuery, PageParams};
use crate::http::session::Actor;
use crate::services::decisions::{
    self as svc, BallotInput, BallotReceipt, CloseInput, DecisionInput, DecisionView, DemandStatus,
    FollowUpInput, Verification,
};
use crate::services::page_limit;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/decisions", get(list).post(create))
        .route("/api/v1/decisions/{id}", get(one).put(edit_draft))
        .route("/api/v1/decisions/{id}/notice", post(notice))
        .route("/api/v1/decisions/{id}/cancel", post(cancel))
        .route("/api/v1/decisions/{id}/roll", get(roll))
        .route("/api/v1/decisions/{id}/objections", post(object))
        .route(
            "/api/v1/decisions/{id}/objections/{objection}/answer",
            post(answer_objection),
        )
        .route("/api/v1/decisions/{id}/questions", get(questions).post(ask))
        .route(
            "/api/v1/decisions/{id}/questions/{question}/answer",
            post(answer),
        )
        .route("/api/v1/decisions/{id}/ballots", post(cast))
        .route("/api/v1/decisions/{id}/progress", get(progress))
        .route("/api/v1/decisions/{id}/close", post(close))
        .route("/api/v1/decisions/{id}/verify", get(verify))
        .route("/api/v1/decisions/{id}/roll.csv", get(roll_csv))
        .route(
            "/api/v1/decisions/{id}/items/{item}/ballots.csv",
            get(ballots_csv),
        )
        .route(
            "/api/v1/decisions/{id}/items/{item}/follow-up",
            post(follow_up),
        )
        .route(
            "/api/v1/compounds/{id}/meeting-demands",
            get(demands).post(demand_start),
        )
        .route("/api/v1/meeting-demands/{id}", get(demand))
        .route("/api/v1/meeting-demands/{id}/sign", post(demand_sign))
        .route(
            "/api/v1/decisions/{id}/documents",
            post(document_add).layer(axum::extract::DefaultBodyLimit::max(
                svc::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/api/v1/decisions/{id}/documents/{doc}", get(document))
}

/// Attach a document to a decision
///
/// The convenor side only (`ConveneDecisions` at the compound; 403 otherwise, 404 when not
/// visible), until it is closed or cancelled (409). A PDF or image up to 10 MB, at most 20 per
/// decision (422 otherwise); audited.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/documents", tag = "decisions", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: a PDF, JPEG, PNG or WebP of at most 10 MB, checked by content"),
    responses((status = 201, body = Created), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn document_add(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    form: axum::extract::Multipart,
) -> AppResult<(StatusCode, Json<Created>)> {
    let (name, bytes) = crate::http::decisions::documents::file_field(form).await?;
    let doc = svc::add_document(&s.db, &actor, id, &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(Created { id: doc })))
}

/// Download a decision document
///
/// Anyone who may see the decision; 404 otherwise or when the document is not the decision's.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/documents/{doc}", tag = "decisions", params(("id" = i64, Path), ("doc" = i64, Path)),
    responses((status = 200, description = "The document", content_type = "application/pdf"), (status = 404, body = ApiError)))]
async fn document(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, doc)): ApiPath<(i64, i64)>,
) -> AppResult<Response> {
    let (name, ct, bytes) = svc::document(&s.db, &actor, id, doc).await?;
    Ok(crate::http::decisions::documents::document_response(
        &name, ct, bytes,
    ))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        create,
        one,
        edit_draft,
        notice,
        cancel,
        roll,
        object,
        answer_objection,
        questions,
        ask,
        answer,
        cast,
        progress,
        close,
        verify,
        roll_csv,
        ballots_csv,
        follow_up,
        demands,
        demand_start,
        demand,
        demand_sign,
        document_add,
        document
    ),
    components(schemas(ApiError))
)]
pub struct DecisionsApi;

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct TextInput {
    pub text: String,
}

/// List decisions
///
/// Any signed-in user: votes, consultations and coordination meetings past the draft stage in
/// places they may see or to which their departments are invited, and drafts where they may
/// convene; newest first. 422 when `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/decisions", tag = "decisions", params(PageParams),
    responses((status = 200, description = "Votes, consultations and meetings the caller may see, newest first", body = Vec<DecisionLine>)))]
async fn list(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<DecisionLine>>> {
    let limit = page_limit(p.limit)?;
    Ok(Json(
        svc::list(&s.db, &actor, p.after.unwrap_or(0), limit).await?,
    ))
}

/// Draft a decision
///
/// Needs `ConveneDecisions` at the compound (403 otherwise). Where the compound has an owners'
/// committee, only its members or an administrator draft an assembly vote (409
/// `vote_committee_convenes`). 422 names each bad field. Nothing is sent until the notice.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "decisions", request_body = DecisionInput,
    responses((status = 201, description = "A draft: nothing is sent until the notice", body = Created),
              (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn create(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = svc::create(&s.db, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Show one decision
///
/// The convenor side, and past the draft stage anyone who may see the compound or whose
/// department is invited; 404 for others. Results once closed; progress and objections for the
/// convenor side.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionView), (status = 404, body = ApiError)))]
async fn one(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DecisionView>> {
    Ok(Json(svc::view(&s.db, &actor, id).await?))
}

/// Edit a draft decision
///
/// The convenor side only (403; 404 when not visible), until the notice goes out (409
/// `vote_not_draft`). The whole draft is sent again, with the same checks as a new one (422 names
/// each bad field, the 15 days' notice included); the compound and the kind cannot change (422
/// `fixed`). The agenda and the invitations are replaced.
#[utoipa::path(put, path = "/api/v1/decisions/{id}", tag = "decisions", params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = DecisionView), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn edit_draft(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<Json<DecisionView>> {
    svc::update_draft(&s.db, &actor, id, &input).await?;
    Ok(Json(svc::view(&s.db, &actor, id).await?))
}

/// Give notice of a decision
///
/// The convenor side only (403; 404 when not visible). 409 when it is not a draft or voting opens
/// less than 15 whole days later. Drafts the roll (not for coordination meetings) and notifies
/// the owners or residents and the invited departments.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/notice", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionView),
              (status = 409, description = "vote_notice_too_short: voting must open at least 15 whole days after the notice", body = ApiError)))]
async fn notice(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DecisionView>> {
    svc::notice(&s.db, &actor, id).await?;
    Ok(Json(svc::view(&s.db, &actor, id).await?))
}

/// Cancel a decision
///
/// The convenor side only (403; 404 when not visible), before voting opens: 409
/// `vote_already_open` once it has, `vote_already_closed` when already closed or cancelled.
/// Audited.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/cancel", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, body = DecisionView), (status = 409, body = ApiError)))]
async fn cancel(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DecisionView>> {
    svc::cancel(&s.db, &actor, id).await?;
    Ok(Json(svc::view(&s.db, &actor, id).await?))
}

/// Page through the roll of a decision
///
/// The convenor side only (403; 404 when not visible): one keyset page of heads in head order.
/// 422 when `limit` is out of range.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/roll", tag = "decisions", params(("id" = i64, Path), PageParams),
    responses((status = 200, description = "The roll, in head order (convenor)", body = Vec<HeadRow>), (status = 403, body = ApiError)))]
async fn roll(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Vec<HeadRow>>> {
    let limit = page_limit(p.limit)?;
    Ok(Json(
        svc::roll_page(&s.db, &actor, id, p.after.unwrap_or(0), limit).await?,
    ))
}

/// Object to the roll of a decision
///
/// Anyone who may see the decision (404 otherwise), while it is noticed and the roll not yet
/// frozen (409 `vote_roll_frozen`); 422 when the text is empty or too long.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/objections", tag = "decisions", params(("id" = i64, Path)), request_body = TextInput,
    responses((status = 201, body = Created), (status = 409, description = "vote_roll_frozen", body = ApiError)))]
async fn object(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(t): ApiJson<TextInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = svc::object(&s.db, &actor, id, &t.text).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Answer an objection to the roll
///
/// The convenor side only (403; 404 when not visible, or the objection is unknown or answered).
/// While the decision is noticed the roll is drafted again from the register. 422 on an empty
/// answer.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/objections/{objection}/answer", tag = "decisions",
    params(("id" = i64, Path), ("objection" = i64, Path)), request_body = TextInput,
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn answer_objection(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, objection)): ApiPath<(i64, i64)>,
    ApiJson(t): ApiJson<TextInput>,
) -> AppResult<StatusCode> {
    svc::answer_objection(&s.db, &actor, id, objection, &t.text).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List the questions of a decision
///
/// Anyone who may see the decision (404 otherwise): the questions asked and the answers given.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/questions", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<QuestionRow>)))]
async fn questions(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<QuestionRow>>> {
    Ok(Json(svc::questions(&s.db, &actor, id).await?))
}

/// Ask a question about a decision
///
/// Anyone who may see it except invited department staff (403; 404 when not visible), while it is
/// noticed or open (409 `vote_questions_closed`). The invited departments are notified; 422 when
/// the question is empty or too long.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/questions", tag = "decisions", params(("id" = i64, Path)), request_body = TextInput,
    responses((status = 201, body = Created), (status = 409, body = ApiError)))]
async fn ask(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(t): ApiJson<TextInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = svc::ask(&s.db, &actor, id, &t.text).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Answer a question about a decision
///
/// The convenor side or staff of an invited department (403 otherwise; 404 when not visible). 409
/// `vote_question_answered` when already answered or unknown; 422 on an empty answer.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/questions/{question}/answer", tag = "decisions",
    params(("id" = i64, Path), ("question" = i64, Path)), request_body = TextInput,
    responses((status = 204), (status = 403, body = ApiError), (status = 409, body = ApiError)))]
async fn answer(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, question)): ApiPath<(i64, i64)>,
    ApiJson(t): ApiJson<TextInput>,
) -> AppResult<StatusCode> {
    svc::answer(&s.db, &actor, id, question, &t.text).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Cast a ballot
///
/// Online the caller votes for a head whose unit they hold (assembly votes: owners and co-owners
/// only); paper and proxy ballots are recorded by the convenor side (403 otherwise). Ballots are
/// final; 409 with a `vote_…` code when not possible; 422 names each bad field.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/ballots", tag = "decisions", params(("id" = i64, Path)), request_body = BallotInput,
    responses((status = 201, description = "Stored on the hash chain; final", body = BallotReceipt),
              (status = 409, description = "vote_already_cast, vote_closed, vote_not_open_yet, vote_not_on_roll, vote_not_an_owner, …", body = ApiError),
              (status = 422, body = ApiError)))]
async fn cast(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<BallotInput>,
) -> AppResult<(StatusCode, Json<BallotReceipt>)> {
    let r = svc::cast(&s.db, &actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Show the participation in a decision
///
/// The convenor side only (403; 404 when not visible): per item, the heads and area that have
/// voted, never the choices.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/progress", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, description = "Participation per item (heads and area), never the choices", body = Vec<ItemProgress>),
              (status = 403, body = ApiError)))]
async fn progress(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<ItemProgress>>> {
    Ok(Json(svc::progress(&s.db, &actor, id).await?.1))
}

/// Close, count and publish a decision
///
/// The convenor side only (403; 404 when not visible), once voting has ended (409 e.g.
/// `vote_still_open`, `vote_already_closed`). Takes the closing report (attendance and
/// organisations required for meetings, else 422), counts each item and notifies those concerned.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/close", tag = "decisions", params(("id" = i64, Path)), request_body = CloseInput,
    responses((status = 200, description = "Closed, counted and published", body = DecisionView),
              (status = 409, description = "vote_still_open, vote_already_closed", body = ApiError), (status = 422, body = ApiError)))]
async fn close(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CloseInput>,
) -> AppResult<Json<DecisionView>> {
    svc::close(&s.db, &actor, id, &input).await?;
    Ok(Json(svc::view(&s.db, &actor, id).await?))
}

/// Verify the ballots of a decision
///
/// Anyone who may see the decision (404 otherwise): recomputes the roll digest, checks the ballot
/// hash chain and recounts the tally from the stored ballots.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/verify", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, description = "The roll digest, the hash chain and the tally recomputed from the stored ballots", body = Verification)))]
async fn verify(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Verification>> {
    Ok(Json(svc::verify(&s.db, &actor, id).await?))
}

fn csv_file(name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Download the roll of a closed decision as CSV
///
/// Anyone who may see the decision (404 otherwise), once it is closed (409 `vote_not_closed`):
/// `ROLL.csv` (head_id, units, area_m2) for checking with `redbutler tally`.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/roll.csv", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, description = "ROLL.csv: head_id,units,area_m2 (for `redbutler tally`)", content_type = "text/csv"),
              (status = 409, description = "vote_not_closed", body = ApiError)))]
async fn roll_csv(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let body = svc::export_roll(&s.db, &actor, id).await?;
    Ok(csv_file("ROLL.csv".into(), body))
}

/// Download the ballots on one item as CSV
///
/// Anyone who may see the decision (404 otherwise or for an unknown item), once it is closed (409
/// `vote_not_closed`): `BALLOTS.csv` (head_id, choice) in chain order.
#[utoipa::path(get, path = "/api/v1/decisions/{id}/items/{item}/ballots.csv", tag = "decisions",
    params(("id" = i64, Path), ("item" = i64, Path)),
    responses((status = 200, description = "BALLOTS.csv: head_id,choice for one item", content_type = "text/csv"),
              (status = 409, description = "vote_not_closed", body = ApiError)))]
async fn ballots_csv(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, item)): ApiPath<(i64, i64)>,
) -> AppResult<Response> {
    let body = svc::export_ballots(&s.db, &actor, id, item).await?;
    Ok(csv_file("BALLOTS.csv".into(), body))
}

/// Start the follow-up case of an agenda item
///
/// The convenor side only (403; 404 when not visible or the item is unknown). 409 unless closed,
/// passed (assembly votes) and without a follow-up yet. Registers a suggestion case in the
/// compound, category `other` unless given; audited.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/items/{item}/follow-up", tag = "decisions",
    params(("id" = i64, Path), ("item" = i64, Path)), request_body = FollowUpInput,
    responses((status = 201, description = "The follow-up case", body = Created), (status = 409, body = ApiError)))]
async fn follow_up(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath((id, item)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<FollowUpInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let case = svc::follow_up(&s.db, &s.config.case_prefix, &actor, id, item, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: case })))
}

#[derive(Deserialize, ToSchema)]
pub struct DemandInput {
    pub subject: String,
}

/// List the meeting demands of a compound
///
/// Anyone who may see the compound (`ViewPlace`; 404 otherwise): owners' demands for an
/// extraordinary owners' meeting.
#[utoipa::path(get, path = "/api/v1/compounds/{id}/meeting-demands", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DemandRow>)))]
async fn demands(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<DemandRow>>> {
    Ok(Json(svc::demands_of(&s.db, &actor, id).await?))
}

/// Start a demand for an extraordinary owners' meeting
///
/// An owner in the compound today (409 `vote_not_an_owner` otherwise; 404 when the compound is
/// not visible). Creates the demand signed by the caller; 422 on an empty or too long subject.
#[utoipa::path(post, path = "/api/v1/compounds/{id}/meeting-demands", tag = "decisions", params(("id" = i64, Path)), request_body = DemandInput,
    responses((status = 201, description = "Started and signed by the caller (an owner)", body = DemandStatus), (status = 409, body = ApiError)))]
async fn demand_start(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DemandInput>,
) -> AppResult<(StatusCode, Json<DemandStatus>)> {
    let demand = svc::start_demand(&s.db, &actor, id, &input.subject).await?;
    Ok((
        StatusCode::CREATED,
        Json(svc::demand(&s.db, &actor, demand).await?),
    ))
}

/// Show a meeting demand
///
/// Anyone who may see its compound (404 otherwise): the heads and area signed against the 20 %
/// of each needed, and whether the caller has signed.
#[utoipa::path(get, path = "/api/v1/meeting-demands/{id}", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, body = DemandStatus), (status = 404, body = ApiError)))]
async fn demand(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DemandStatus>> {
    Ok(Json(svc::demand(&s.db, &actor, id).await?))
}

/// Sign a meeting demand
///
/// An owner in the compound today (404 when not visible; 409 `vote_not_an_owner`,
/// `demand_signed_already`). At 20 % of heads and of area a case is opened and the owners'
/// committee is notified.
#[utoipa::path(post, path = "/api/v1/meeting-demands/{id}/sign", tag = "decisions", params(("id" = i64, Path)),
    responses((status = 200, description = "Signed; at 20 % of heads and area a case is opened for the convenor", body = DemandStatus),
              (status = 409, body = ApiError)))]
async fn demand_sign(
    State(s): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DemandStatus>> {
    Ok(Json(
        svc::sign_demand(&s.db, &s.config.case_prefix, &actor, id).await?,
    ))
}
