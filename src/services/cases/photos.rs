//! Case photos at upload: decoded once (with limits, so a crafted file cannot exhaust memory),
//! turned upright by its EXIF orientation, and stored as a thumbnail and a screen-sized copy,
//! re-encoded as JPEG (which carries no metadata: GPS position, camera and time are gone). The
//! original is kept as sent, for the case's workers and the reporter only.
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;

/// Long edge of the thumbnail shown in lists and on the case page.
pub const THUMB_EDGE: u32 = 320;
/// Long edge of the copy shown when a photo is opened.
pub const SCREEN_EDGE: u32 = 1600;

/// A photo ready to store (see [`crate::db::cases::NewPhoto`]).
pub use crate::db::cases::NewPhoto as PreparedPhoto;

/// Which copy of a photo to send: the screen copy unless asked otherwise.
pub use crate::db::cases::PhotoCopy as PhotoSize;

/// The copy named in the address (`size=thumb|screen|original`), none for another word.
pub fn size(word: Option<&str>) -> Option<PhotoSize> {
    match word.map(str::trim) {
        None | Some("") | Some("screen") => Some(PhotoSize::Screen),
        Some("thumb") => Some(PhotoSize::Thumb),
        Some("original") => Some(PhotoSize::Original),
        _ => None,
    }
}

/// One copy of a case's photo, for whoever may see the case (not a department asked for
/// coordination: 404). The original (with its metadata, which may hold where it was taken) only
/// for the case's workers and its reporter, and each such read is logged.
pub async fn photo(
    db: &crate::db::Db,
    actor: &crate::services::actor::Actor,
    case_id: i64,
    photo_id: i64,
    size: PhotoSize,
) -> crate::error::AppResult<(String, Vec<u8>)> {
    use crate::error::AppError;
    let (_, _, standing) = super::load(db, actor, case_id).await?;
    if standing == super::Standing::Department {
        return Err(AppError::NotFound);
    }
    if size == PhotoSize::Original
        && !matches!(
            standing,
            super::Standing::Worker | super::Standing::Reporter
        )
    {
        return Err(AppError::Forbidden);
    }
    let found = db
        .cases()
        .case_photo(case_id, photo_id, size)
        .await?
        .ok_or(AppError::NotFound)?;
    if size == PhotoSize::Original {
        db.audit()
            .record(crate::db::audit::AuditRecord {
                actor_user_id: Some(actor.user_id),
                action: "unmask",
                entity: "case_photo",
                entity_id: Some(photo_id),
                before: None,
                after: Some(serde_json::json!({"case": case_id, "copy": "original"})),
                reason: "",
            })
            .await?;
    }
    Ok(found)
}

/// Decodes, turns upright and scales a photo; `Err` with a check code when it is not an image
/// this product reads (or is larger than any phone takes).
pub fn prepare(content_type: &str, original: Vec<u8>) -> Result<PreparedPhoto, &'static str> {
    let mut reader = ImageReader::new(Cursor::new(&original))
        .with_guessed_format()
        .map_err(|_| "not_an_image")?;
    let mut limits = Limits::default();
    // 12,000 × 12,000 covers every phone camera; the allocation cap stops decompression bombs.
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| "not_an_image")?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| "not_an_image")?;
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    let screen = jpeg(&scaled(&img, SCREEN_EDGE), 82)?;
    let thumb = jpeg(&scaled(&img, THUMB_EDGE), 75)?;
    Ok(PreparedPhoto {
        content_type: content_type.to_string(),
        original,
        thumb,
        screen,
        width,
        height,
    })
}

/// The image within `edge` × `edge` (never enlarged).
fn scaled(img: &DynamicImage, edge: u32) -> DynamicImage {
    if img.width() <= edge && img.height() <= edge {
        img.clone()
    } else {
        img.resize(edge, edge, image::imageops::FilterType::Triangle)
    }
}

fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let rgb = img.to_rgb8();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .map_err(|_| "not_an_image")?;
    Ok(out)
}

/// A phone photo for tests and demos: a noisy JPEG of `w` × `h` (so it does not compress to
/// nothing) with an EXIF block holding an orientation and a GPS position, as a phone writes them.
#[doc(hidden)]
pub fn sample_photo(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let mut seed: u32 = 12345;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        image::Rgb([(x % 256) as u8, (y % 256) as u8, (seed >> 24) as u8])
    });
    let mut plain = Vec::new();
    if image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 92)
        .encode_image(&img)
        .is_err()
        || plain.len() < 2
    {
        return plain;
    }
    // TIFF (big endian): IFD0 with Orientation (0x0112) and a GPS IFD pointer (0x8825); the GPS
    // IFD holds GPSLatitudeRef = "N".
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]);
    tiff.extend_from_slice(&38u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_turned_upright_scaled_and_stripped() {
        // Stored 400 × 200, orientation 6 (rotate 90°): upright it is 200 × 400.
        let original = sample_photo(400, 200, 6);
        assert!(original.windows(4).any(|w| w == b"Exif"));
        let p = prepare("image/jpeg", original.clone()).unwrap();
        assert_eq!((p.width, p.height), (200, 400));
        let thumb = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (160, 320));
        let screen = image::load_from_memory(&p.screen).unwrap();
        assert_eq!(
            (screen.width(), screen.height()),
            (200, 400),
            "never enlarged"
        );
        for copy in [&p.thumb, &p.screen] {
            assert!(!copy.windows(4).any(|w| w == b"Exif"), "no metadata kept");
        }
        assert_eq!(p.original, original, "the original is kept as sent");
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert_eq!(
            prepare("image/jpeg", b"\xFF\xD8\xFFnot really".to_vec()).err(),
            Some("not_an_image")
        );
        assert_eq!(
            prepare("image/png", b"hello".to_vec()).err(),
            Some("not_an_image")
        );
    }

    #[test]
    fn sizes_are_read_from_the_address() {
        assert_eq!(size(None), Some(PhotoSize::Screen));
        assert_eq!(size(Some("thumb")), Some(PhotoSize::Thumb));
        assert_eq!(size(Some("original")), Some(PhotoSize::Original));
        assert_eq!(size(Some("huge")), None);
    }
}
