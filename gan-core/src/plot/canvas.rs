//! The drawing surface shared by all plots: fonts, colours, an RGB buffer and PNG encoding.

use std::sync::OnceLock;

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;

use super::PlotError;

/// The largest image, in pixels, a plot function will draw (about 7000 × 7000).
pub const MAX_PIXELS: u64 = 50_000_000;

/// The font family every plot uses; it is registered from the embedded DejaVu Sans.
pub(crate) const FONT: &str = "sans-serif";

/// A drawing area on the in-memory bitmap.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Track colours (matplotlib's tab10): soprano blue, alto orange, tenor green, bass red, …
const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// The RGB colour notes of track `k` are filled with (the palette repeats after 10 tracks).
pub fn track_color(k: usize) -> [u8; 3] {
    PALETTE[k % PALETTE.len()]
}

/// The plotters colour of track `k`.
pub(crate) fn track_rgb(k: usize) -> RGBColor {
    let [r, g, b] = track_color(k);
    RGBColor(r, g, b)
}

/// The name of a MIDI pitch with its octave, C4 being 60: "C4", "F#5".
pub fn pitch_name(pitch: u8) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    format!("{}{}", NAMES[pitch as usize % 12], pitch as i32 / 12 - 1)
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}

/// Registers DejaVu Sans (regular and bold) as [`FONT`], once per process.
fn register_fonts() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        let normal = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let bold = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
        normal.is_ok() && bold.is_ok()
    });
    ok.then_some(()).ok_or(PlotError::Font)
}

/// Draws on a white `width` × `height` canvas with `draw` and returns the image as PNG bytes.
pub(crate) fn render_png(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area<'_>) -> Result<(), PlotError>,
) -> Result<Vec<u8>, PlotError> {
    if width == 0 || height == 0 || width as u64 * height as u64 > MAX_PIXELS {
        return Err(PlotError::TooLarge { width, height });
    }
    register_fonts()?;
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        draw(&root)?;
        root.present()?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, width, height, image::ExtendedColorType::Rgb8)
        .map_err(|e| PlotError::Encode(e.to_string()))?;
    Ok(png)
}

/// The smallest and largest value, or `None` for no values.
pub(crate) fn span(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The range widened by `fraction` of its width on each side; a single value gets ±0.5.
pub(crate) fn padded((lo, hi): (f64, f64), fraction: f64) -> (f64, f64) {
    let width = hi - lo;
    if width <= f64::EPSILON * hi.abs().max(1.0) {
        return (lo - 0.5, hi + 0.5);
    }
    (lo - fraction * width, hi + fraction * width)
}

/// The bold variant of the plot font at `size` pixels.
pub(crate) fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Bold)
}

/// A compact tick label: at most three decimals with trailing zeros dropped, or scientific
/// notation for very large or small magnitudes.
pub(crate) fn tick_label(value: f64) -> String {
    let a = value.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        return format!("{value:.1e}");
    }
    let fixed = format!("{value:.3}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    match trimmed {
        "-0" => "0".to_string(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitch_names_follow_the_c4_is_60_convention() {
        assert_eq!(pitch_name(60), "C4");
        assert_eq!(pitch_name(69), "A4");
        assert_eq!(pitch_name(0), "C-1");
        assert_eq!(pitch_name(127), "G9");
        assert_eq!(pitch_name(66), "F#4");
    }

    #[test]
    fn oversized_canvas_is_refused() {
        let err = render_png(100_000, 100_000, |_| Ok(())).unwrap_err();
        assert!(matches!(err, PlotError::TooLarge { .. }), "{err}");
        assert!(render_png(0, 10, |_| Ok(())).is_err());
    }

    #[test]
    fn ranges_are_padded_and_never_empty() {
        assert_eq!(span([3.0, -1.0, 2.0].into_iter()), Some((-1.0, 3.0)));
        assert_eq!(span(std::iter::empty()), None);
        assert_eq!(padded((0.0, 10.0), 0.1), (-1.0, 11.0));
        assert_eq!(padded((2.0, 2.0), 0.1), (1.5, 2.5));
    }

    #[test]
    fn tick_labels_are_compact() {
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(0.125), "0.125");
        assert_eq!(tick_label(6.0), "6");
        assert_eq!(tick_label(-2.5), "-2.5");
        assert_eq!(tick_label(1200.0), "1200");
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(-0.0001), "-1.0e-4");
        assert_eq!(tick_label(2e6), "2.0e6");
    }
}
