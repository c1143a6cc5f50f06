//! Photos as TikTok judges them (contract §15.2): JPEG or WebP by their bytes, at most
//! 20,000,000 bytes, at most 1080p (shorter side ≤ 1080 px, longer ≤ 1920 px). Cast checks each
//! image with this before anything leaves the machine, and the sandbox judges what it fetched
//! with the same code, so both always agree.

use serde::Serialize;

/// At most 20 MB each; TikTok's "MB" read as the stricter decimal one.
pub const MAX_IMAGE_BYTES: u64 = 20_000_000;
/// "At most 1080p", read for both orientations.
pub const MAX_SHORT_SIDE: u64 = 1080;
pub const MAX_LONG_SIDE: u64 = 1920;
/// A photo post carries 1 to 35 images.
pub const MAX_IMAGES: usize = 35;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ImageFormat {
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u64,
    pub height: u64,
}

/// Why TikTok would refuse an image; `code` is the fail reason TikTok reports for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    #[error("it is a PNG: TikTok takes JPEG or WebP only; save it as JPEG and try again")]
    Png,
    #[error("it is not a JPEG or WebP image; TikTok takes JPEG or WebP only")]
    NotJpegOrWebp,
    #[error("its size cannot be read: the file looks damaged; export it again as JPEG")]
    Unreadable,
    #[error("it is {0} bytes; TikTok takes at most 20,000,000 bytes per image: make it smaller")]
    TooLarge(u64),
    #[error(
        "it is {width}×{height} px; TikTok takes at most 1080p (1920×1080 or 1080×1920): \
         scale it down"
    )]
    TooBig { width: u64, height: u64 },
}

impl ImageRefusal {
    /// TikTok's `fail_reason` for this image (§15.2).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Png | Self::NotJpegOrWebp | Self::Unreadable => "file_format_check_failed",
            Self::TooLarge(_) | Self::TooBig { .. } => "picture_size_check_failed",
        }
    }
}

/// Judges one image from its bytes alone: the name and the declared type are not trusted.
pub fn check(bytes: &[u8]) -> Result<ImageInfo, ImageRefusal> {
    let format = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg) => ImageFormat::Jpeg,
        Ok(imagesize::ImageType::Webp) => ImageFormat::Webp,
        Ok(imagesize::ImageType::Png) => return Err(ImageRefusal::Png),
        _ => return Err(ImageRefusal::NotJpegOrWebp),
    };
    let len = bytes.len() as u64;
    if len > MAX_IMAGE_BYTES {
        return Err(ImageRefusal::TooLarge(len));
    }
    let size = imagesize::blob_size(bytes).map_err(|_| ImageRefusal::Unreadable)?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0 || height == 0 {
        return Err(ImageRefusal::Unreadable);
    }
    if width.min(height) > MAX_SHORT_SIDE || width.max(height) > MAX_LONG_SIDE {
        return Err(ImageRefusal::TooBig { width, height });
    }
    Ok(ImageInfo {
        format,
        width,
        height,
    })
}

/// `check` for an image on disk: one past the size limit is refused before it is read.
pub fn check_file(path: &std::path::Path) -> Result<ImageInfo, ImageRefusal> {
    let len = std::fs::metadata(path)
        .map_err(|_| ImageRefusal::Unreadable)?
        .len();
    if len > MAX_IMAGE_BYTES {
        // The format still decides first, as in `check`, so a large PNG is called a PNG.
        let mut head = vec![0u8; 64];
        let n = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .map_err(|_| ImageRefusal::Unreadable)?;
        return match imagesize::image_type(&head[..n]) {
            Ok(imagesize::ImageType::Jpeg | imagesize::ImageType::Webp) => {
                Err(ImageRefusal::TooLarge(len))
            }
            Ok(imagesize::ImageType::Png) => Err(ImageRefusal::Png),
            _ => Err(ImageRefusal::NotJpegOrWebp),
        };
    }
    let bytes = std::fs::read(path).map_err(|_| ImageRefusal::Unreadable)?;
    check(&bytes)
}

/// Tiny but well-formed images for tests: only the headers the checks read.
pub mod fixtures {
    /// A baseline JPEG header (SOI, APP0, SOF0) of `width`×`height`, then EOI.
    pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0");
        b.extend_from_slice(&[0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
        b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    /// A lossless WebP (VP8L) header of `width`×`height` (each 1..=16384).
    pub fn webp(width: u32, height: u32) -> Vec<u8> {
        let bits = (width - 1) | ((height - 1) << 14);
        let mut chunk = vec![0x2F];
        chunk.extend_from_slice(&bits.to_le_bytes());
        chunk.extend_from_slice(&[0, 0, 0]);
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&((4 + 8 + chunk.len()) as u32).to_le_bytes());
        b.extend_from_slice(b"WEBPVP8L");
        b.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        b.extend_from_slice(&chunk);
        b
    }

    /// A PNG header (signature and IHDR) of `width`×`height`.
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{jpeg, png, webp};
    use super::*;

    #[test]
    fn a_1080p_jpeg_in_either_orientation_is_taken() {
        let info = check(&jpeg(1080, 1920)).expect("portrait 1080p");
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Jpeg, 1080, 1920)
        );
        assert!(check(&jpeg(1920, 1080)).is_ok());
    }

    #[test]
    fn a_webp_is_taken_by_its_bytes() {
        let info = check(&webp(640, 480)).expect("webp");
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Webp, 640, 480)
        );
    }

    #[test]
    fn a_png_is_refused_as_a_format_failure() {
        let refusal = check(&png(100, 100)).unwrap_err();
        assert_eq!(refusal, ImageRefusal::Png);
        assert_eq!(refusal.code(), "file_format_check_failed");
    }

    #[test]
    fn random_bytes_are_not_an_image() {
        assert_eq!(check(b"hello").unwrap_err(), ImageRefusal::NotJpegOrWebp);
    }

    #[test]
    fn a_side_past_1080p_is_refused_as_a_size_failure() {
        for (w, h) in [(1081, 1920), (1080, 1921), (2000, 500)] {
            let refusal = check(&jpeg(w, h)).unwrap_err();
            assert_eq!(refusal.code(), "picture_size_check_failed", "{w}×{h}");
        }
    }

    #[test]
    fn a_file_past_20_000_000_bytes_is_refused() {
        let mut big = jpeg(100, 100);
        big.resize(20_000_001, 0);
        assert_eq!(check(&big).unwrap_err(), ImageRefusal::TooLarge(20_000_001));
        let mut at_limit = jpeg(100, 100);
        at_limit.resize(20_000_000, 0);
        assert!(check(&at_limit).is_ok());
    }
}
