//! Raster logos: a PNG decoded, composited onto white, scaled down to the paper, dithered
//! to one bit per dot (Floyd–Steinberg, integer error) and sent as ESC/POS `GS v 0` bands.
//! No floats anywhere: luminance uses 299/587/114 per mille, scaling is box averaging.

use std::io::Cursor;

/// Rows per `GS v 0` band when the caller has no better figure. 24 matches the 24-dot
/// head pass of the classic bit-image commands, and a 24-row band of a full 80 mm line
/// (576 dots) is 1 728 bytes — inside the few-kilobyte receive buffer of cheap thermal
/// printers, so a serial link without flow control does not overrun them.
pub const DEFAULT_BAND_ROWS: u32 = 24;

/// Largest PNG file accepted, in bytes.
const MAX_PNG_BYTES: usize = 4 * 1024 * 1024;
/// Largest source width or height accepted, in pixels.
const MAX_SIDE: u32 = 4096;
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// Why a logo could not be made from an image.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoError {
    /// The bytes do not start with the PNG signature.
    #[error("not a PNG image")]
    NotPng,
    /// The PNG is damaged or uses something the decoder refuses.
    #[error("cannot decode the PNG: {0}")]
    Decode(String),
    /// The image has no pixels.
    #[error("the image is empty ({width}x{height})")]
    ZeroSize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The file or the image is bigger than a logo has any reason to be.
    #[error(
        "the image is too large ({width}x{height} pixels, {bytes} bytes; at most {MAX_SIDE}x{MAX_SIDE} and {MAX_PNG_BYTES} bytes)"
    )]
    TooLarge {
        /// Width in pixels (0 if the file was refused before decoding).
        width: u32,
        /// Height in pixels (0 if the file was refused before decoding).
        height: u32,
        /// Size of the PNG file.
        bytes: usize,
    },
    /// The paper is narrower than one byte of dots.
    #[error("a logo needs at least 8 dots of width, the paper has {0}")]
    TooNarrow(u32),
}

/// A 1-bit logo ready for the printer: rows of `width_dots / 8` bytes, the most significant
/// bit the leftmost dot, a set bit a black dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    width_dots: u32,
    height: u32,
    bits: Vec<u8>,
}

impl Logo {
    /// Decodes a PNG (any colour type and depth, transparency over white), scales it down —
    /// never up — to at most `max_width_dots` (rounded down to a multiple of 8), pads the
    /// width to a multiple of 8 with white and dithers it to one bit per dot.
    pub fn from_png(bytes: &[u8], max_width_dots: u32) -> Result<Logo, LogoError> {
        let max_width = max_width_dots / 8 * 8;
        if max_width == 0 {
            return Err(LogoError::TooNarrow(max_width_dots));
        }
        if bytes.len() > MAX_PNG_BYTES {
            return Err(LogoError::TooLarge { width: 0, height: 0, bytes: bytes.len() });
        }
        if !bytes.starts_with(&PNG_SIGNATURE) {
            return Err(LogoError::NotPng);
        }
        let (sw, sh, gray) = decode_gray(bytes)?;
        let w = sw.min(max_width);
        let h = u32::try_from((u64::from(sh) * u64::from(w) + u64::from(sw) / 2) / u64::from(sw)).unwrap_or(1).max(1);
        let padded = w.div_ceil(8) * 8;
        let scaled = scale_down(&gray, sw, sh, w, h, padded);
        Ok(Logo { width_dots: padded, height: h, bits: dither(&scaled, padded as usize, h as usize) })
    }

    /// Width in dots, a multiple of 8.
    pub fn width_dots(&self) -> u32 {
        self.width_dots
    }

    /// Height in dots (rows).
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The logo as ESC/POS `GS v 0` commands (`1D 76 30 00 xL xH yL yH data`), one complete
    /// command per band of at most `band_rows` rows (0 is taken as 1). No alignment is
    /// emitted: centre it with `ESC a` first if wanted.
    pub fn escpos(&self, band_rows: u32) -> Vec<u8> {
        let row_bytes = (self.width_dots / 8) as usize;
        let band = band_rows.clamp(1, u32::from(u16::MAX)) as usize;
        let mut out = Vec::with_capacity(self.bits.len() + 8 * (self.height as usize).div_ceil(band));
        for chunk in self.bits.chunks(row_bytes * band) {
            let [xl, xh] = (row_bytes as u16).to_le_bytes();
            let [yl, yh] = ((chunk.len() / row_bytes) as u16).to_le_bytes();
            out.extend_from_slice(&[0x1d, 0x76, 0x30, 0x00, xl, xh, yl, yh]);
            out.extend_from_slice(chunk);
        }
        out
    }
}

fn decode_err(e: png::DecodingError) -> LogoError {
    LogoError::Decode(e.to_string())
}

/// Decodes to 8-bit luminance, alpha composited onto white.
fn decode_gray(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), LogoError> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    let (width, height) = decoder.read_header_info().map_err(decode_err)?.size();
    if width == 0 || height == 0 {
        return Err(LogoError::ZeroSize { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(LogoError::TooLarge { width, height, bytes: bytes.len() });
    }
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(decode_err)?;
    let size = reader.output_buffer_size().ok_or_else(|| LogoError::Decode("image too large".into()))?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(decode_err)?;
    let channels = frame.color_type.samples();
    if frame.bit_depth != png::BitDepth::Eight
        || frame.color_type == png::ColorType::Indexed
        || (frame.width, frame.height) != (width, height)
        || frame.line_size < width as usize * channels
    {
        return Err(LogoError::Decode(format!("unexpected decoder output {frame:?}")));
    }
    let over_white = |luma: u32, alpha: u32| ((luma * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
    let rgb = |p: &[u8]| (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]) + 500) / 1000;
    let mut gray = Vec::with_capacity(width as usize * height as usize);
    for row in buf.chunks_exact(frame.line_size).take(height as usize) {
        for p in row[..width as usize * channels].chunks_exact(channels) {
            gray.push(match channels {
                1 => p[0],
                2 => over_white(u32::from(p[0]), u32::from(p[1])),
                3 => rgb(p) as u8,
                _ => over_white(rgb(p), u32::from(p[3])),
            });
        }
    }
    Ok((width, height, gray))
}

/// Box-averages `gray` (`sw` x `sh`) down to `w` x `h`, in rows `padded` wide (white beyond `w`).
fn scale_down(gray: &[u8], sw: u32, sh: u32, w: u32, h: u32, padded: u32) -> Vec<u8> {
    let span = |i: u32, dst: u32, src: u32| {
        let start = (u64::from(i) * u64::from(src) / u64::from(dst)) as usize;
        let end = (u64::from(i + 1) * u64::from(src) / u64::from(dst)) as usize;
        start..end.max(start + 1)
    };
    let mut out = vec![255u8; padded as usize * h as usize];
    for y in 0..h {
        let ys = span(y, h, sh);
        for x in 0..w {
            let xs = span(x, w, sw);
            let count = (ys.len() * xs.len()) as u64;
            let sum: u64 = ys
                .clone()
                .map(|r| gray[r * sw as usize..][xs.clone()].iter().map(|&v| u64::from(v)).sum::<u64>())
                .sum();
            out[y as usize * padded as usize + x as usize] = ((sum + count / 2) / count) as u8;
        }
    }
    out
}

/// Floyd–Steinberg error diffusion to packed 1-bit rows (set bit = black).
fn dither(gray: &[u8], width: usize, height: usize) -> Vec<u8> {
    let mut bits = vec![0u8; width / 8 * height];
    // Error carried into the current and next row, offset by one so x-1 and x+1 need no checks.
    let mut cur = vec![0i32; width + 2];
    let mut next = vec![0i32; width + 2];
    for y in 0..height {
        for x in 0..width {
            let v = i32::from(gray[y * width + x]) + cur[x + 1] / 16;
            let (black, err) = if v < 128 { (true, v) } else { (false, v - 255) };
            if black {
                bits[y * width / 8 + x / 8] |= 0x80 >> (x % 8);
            }
            cur[x + 2] += err * 7;
            next[x] += err * 3;
            next[x + 1] += err * 5;
            next[x + 2] += err;
        }
        std::mem::swap(&mut cur, &mut next);
        next.fill(0);
    }
    bits
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn png(width: u32, height: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        out
    }

    fn gray(width: u32, height: u32, level: u8) -> Vec<u8> {
        png(width, height, png::ColorType::Grayscale, &vec![level; (width * height) as usize])
    }

    fn black_dots(logo: &Logo) -> u32 {
        logo.bits.iter().map(|b| b.count_ones()).sum()
    }

    #[test]
    fn solid_black_sets_every_bit_and_white_none() {
        let black = Logo::from_png(&gray(64, 10, 0), 384).unwrap();
        assert_eq!((black.width_dots(), black.height()), (64, 10));
        assert!(black.bits.iter().all(|&b| b == 0xff));
        let white = Logo::from_png(&gray(64, 10, 255), 384).unwrap();
        assert!(white.bits.iter().all(|&b| b == 0));
    }

    #[test]
    fn mid_gray_dithers_to_about_half_in_a_checker_like_pattern() {
        let logo = Logo::from_png(&gray(64, 64, 128), 384).unwrap();
        let total = 64 * 64;
        assert!(black_dots(&logo).abs_diff(total / 2) < total / 20, "{} of {total}", black_dots(&logo));
        // Error diffusion spreads the dots: neighbours mostly differ, no solid runs.
        let row = |y: usize| &logo.bits[y * 8..y * 8 + 8];
        let mixed = (2..64).filter(|&y| row(y).iter().all(|&b| b != 0 && b != 0xff)).count();
        assert!(mixed > 55, "only {mixed} rows look dithered");
    }

    #[test]
    fn rgb_rgba_and_gray_alpha_follow_luminance_and_alpha_is_white() {
        let red = png(8, 1, png::ColorType::Rgb, &[255, 0, 0].repeat(8)); // luma 76: dark
        assert!(black_dots(&Logo::from_png(&red, 8).unwrap()) >= 4);
        let clear = png(16, 4, png::ColorType::Rgba, &[0, 0, 0, 0].repeat(64));
        assert_eq!(black_dots(&Logo::from_png(&clear, 384).unwrap()), 0);
        let opaque = png(16, 4, png::ColorType::Rgba, &[0, 0, 0, 255].repeat(64));
        assert_eq!(black_dots(&Logo::from_png(&opaque, 384).unwrap()), 64);
        let ga = png(16, 4, png::ColorType::GrayscaleAlpha, &[0, 0].repeat(64));
        assert_eq!(black_dots(&Logo::from_png(&ga, 384).unwrap()), 0);
    }

    #[test]
    fn indexed_palette_is_expanded() {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 8, 2);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::One);
        enc.set_palette(vec![255, 255, 255, 0, 0, 0]);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&[0b1111_0000, 0b0000_1111]).unwrap();
        writer.finish().unwrap();
        assert_eq!(Logo::from_png(&out, 384).unwrap().bits, vec![0b1111_0000, 0b0000_1111]);
    }

    #[test]
    fn wide_images_scale_down_keeping_aspect_and_narrow_ones_pad() {
        let logo = Logo::from_png(&gray(1000, 500, 0), 386).unwrap();
        assert_eq!((logo.width_dots(), logo.height()), (384, 192));
        assert_eq!(black_dots(&logo), 384 * 192);
        let narrow = Logo::from_png(&gray(13, 3, 0), 384).unwrap();
        assert_eq!((narrow.width_dots(), narrow.height()), (16, 3));
        assert_eq!(narrow.bits[..2], [0xff, 0b1111_1000]); // padding is white
        assert_eq!(Logo::from_png(&gray(13, 3, 0), 7), Err(LogoError::TooNarrow(7)));
    }

    #[test]
    fn bands_are_complete_gs_v_0_commands() {
        let logo = Logo::from_png(&gray(300, 100, 0), 384).unwrap();
        let (row_bytes, height) = (usize::try_from(logo.width_dots() / 8).unwrap(), logo.height() as usize);
        let out = logo.escpos(DEFAULT_BAND_ROWS);
        let (mut at, mut bands, mut data) = (0, 0, 0);
        while at < out.len() {
            assert_eq!(out[at..at + 4], [0x1d, 0x76, 0x30, 0x00]);
            assert_eq!(usize::from(u16::from_le_bytes([out[at + 4], out[at + 5]])), row_bytes);
            let rows = usize::from(u16::from_le_bytes([out[at + 6], out[at + 7]]));
            assert!(rows >= 1 && rows <= DEFAULT_BAND_ROWS as usize);
            at += 8 + rows * row_bytes;
            data += rows * row_bytes;
            bands += 1;
        }
        assert_eq!(at, out.len());
        assert_eq!(bands, height.div_ceil(DEFAULT_BAND_ROWS as usize));
        assert_eq!(data, row_bytes * height);
        assert_eq!(logo.escpos(0).len(), height * (8 + row_bytes));
    }

    #[test]
    fn garbage_and_truncated_input_are_errors() {
        assert_eq!(Logo::from_png(b"GIF89a", 384), Err(LogoError::NotPng));
        assert_eq!(Logo::from_png(&[], 384), Err(LogoError::NotPng));
        let good = gray(40, 40, 90);
        for cut in [8, 20, 33, good.len() / 2, good.len() - 13] {
            assert!(matches!(Logo::from_png(&good[..cut], 384), Err(LogoError::Decode(_))), "cut at {cut}");
        }
        let huge = png(5000, 1, png::ColorType::Grayscale, &[0; 5000]);
        assert!(matches!(Logo::from_png(&huge, 384), Err(LogoError::TooLarge { width: 5000, .. })));
    }

    #[test]
    fn random_and_mutated_bytes_never_panic() {
        let mut seed: u64 = 0x5eed_7111;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize
        };
        let good = png(24, 24, png::ColorType::Rgba, &[7, 200, 90, 128].repeat(24 * 24));
        let mut decoded = 0;
        for i in 0..400 {
            let mut bytes = if i % 2 == 0 { good.clone() } else { (0..next() % 300).map(|_| next() as u8).collect() };
            if i % 4 == 3 {
                bytes.splice(0..0, PNG_SIGNATURE);
            }
            for _ in 0..next() % 4 {
                if !bytes.is_empty() {
                    let at = next() % bytes.len();
                    bytes[at] = next() as u8;
                }
            }
            if next() % 3 == 0 {
                bytes.truncate(next() % (bytes.len() + 1));
            }
            if let Ok(logo) = Logo::from_png(&bytes, 8 + (next() % 600) as u32) {
                assert_eq!(logo.bits.len(), (logo.width_dots() / 8 * logo.height()) as usize);
                decoded += 1;
            }
        }
        assert!(decoded > 0, "the loop should also reach the decoder's success path");
    }
}
