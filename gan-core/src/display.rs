//! Display helpers for evcxr (Rust Jupyter) notebooks: images, HTML, inline audio and downloads.
//!
//! evcxr shows a cell's value richly when its type has an `evcxr_display(&self)` method that
//! prints `EVCXR_BEGIN_CONTENT <mime>`, the data, and `EVCXR_END_CONTENT`. A cell shows one
//! block per MIME type, so use [`gallery`] to show several images from one cell, and
//! [`Text::and`] to show text above an image or a player.
//!
//! Text a cell must show goes through [`text`], not `println!`: evcxr_jupyter forwards printed
//! lines from a separate thread, and on a busy machine a line can reach Jupyter after the cell
//! has finished, where it is lost (evcxr issue #353). A displayed value is part of the cell's
//! result and always arrives. `println!` stays right for progress while a cell runs.
//!
//! ```no_run
//! # fn demo(roll: &gan_core::Multitrack) -> gan_core::Result<()> {
//! use gan_core::{display, plot};
//! display::png(plot::pianoroll_png(roll)?).evcxr_display();
//! display::audio_of(roll)?.evcxr_display();
//! # Ok(()) }
//! ```

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use crate::audio::{wav_bytes, AudioError, SynthConfig};
use crate::roll::Multitrack;

/// PNG image bytes that evcxr shows as an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Png(pub Vec<u8>);

/// An HTML fragment that evcxr shows rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Html(pub String);

/// WAV file bytes that evcxr shows as an audio player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio(pub Vec<u8>);

/// Plain text (a table, a summary) that evcxr shows as the cell's result, in a fixed-width font.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

/// Something a notebook shows that can be part of an HTML block: text, an image, a player.
pub trait ToHtml {
    /// The HTML fragment that shows it.
    fn to_html(&self) -> String;
}

/// Wraps text for display as the cell's result.
pub fn text(text: impl Into<String>) -> Text {
    Text(text.into())
}

/// Wraps PNG bytes (e.g. from [`crate::plot`]) for display.
pub fn png(bytes: Vec<u8>) -> Png {
    Png(bytes)
}

/// Wraps an HTML fragment for display.
pub fn html(fragment: impl Into<String>) -> Html {
    Html(fragment.into())
}

/// Wraps WAV bytes (e.g. from [`wav_bytes`]) for display as an audio player.
pub fn audio(wav: Vec<u8>) -> Audio {
    Audio(wav)
}

/// Renders the roll with the default synthesizer, for display as an audio player.
pub fn audio_of(roll: &Multitrack) -> Result<Audio, AudioError> {
    Ok(Audio(wav_bytes(roll, &SynthConfig::default())?))
}

/// Several PNG images with captions, side by side (wrapping), in one HTML block.
pub fn gallery<C: AsRef<str>, B: AsRef<[u8]>>(images: &[(C, B)]) -> Html {
    let figures: String = images
        .iter()
        .map(|(caption, bytes)| {
            let caption = escape_html(caption.as_ref());
            format!(
                "<figure style=\"margin:0\">{}<figcaption style=\"text-align:center\">{caption}</figcaption></figure>",
                img_tag(bytes.as_ref(), &caption)
            )
        })
        .collect();
    wrapping_row(&figures, "align-items:flex-start")
}

/// Several audio players with captions, side by side (wrapping), in one HTML block.
pub fn players<C: AsRef<str>>(players: &[(C, Audio)]) -> Html {
    let items: String = players
        .iter()
        .map(|(caption, audio)| {
            format!(
                "<figure style=\"margin:0\"><figcaption>{}</figcaption>{}</figure>",
                escape_html(caption.as_ref()),
                audio.to_html()
            )
        })
        .collect();
    wrapping_row(&items, "margin-top:8px")
}

/// Figures side by side, wrapping onto new lines as the page narrows; `style` is added to the
/// row's own.
fn wrapping_row(figures: &str, style: &str) -> Html {
    Html(format!(
        "<div style=\"display:flex;flex-wrap:wrap;gap:12px;{style}\">{figures}</div>"
    ))
}

/// Several PNG images with captions shown one after the other in a loop, `seconds_per_frame`
/// each, in one HTML block: an animation in plain CSS (no script, so it plays in any notebook
/// viewer); the frames are stacked in one place, each visible during its share of the cycle.
pub fn slideshow<C: AsRef<str>, B: AsRef<[u8]>>(frames: &[(C, B)], seconds_per_frame: f64) -> Html {
    let n = frames.len();
    let step = if seconds_per_frame > 0.0 {
        seconds_per_frame
    } else {
        1.0
    };
    let cycle = step * n as f64;
    let name = format!("gan-slideshow-{n}");
    let figures: String = frames
        .iter()
        .enumerate()
        .map(|(i, (caption, bytes))| {
            let caption = escape_html(caption.as_ref());
            // A negative delay starts frame i's cycle (n - i) frames ago: it shows in slot i.
            let delay = -((n - i) as f64) * step;
            format!(
                "<figure style=\"margin:0;grid-area:1/1;background:white;opacity:0;animation:{name} {cycle}s step-end {delay}s infinite\">{}<figcaption style=\"text-align:center\">{caption}</figcaption></figure>",
                img_tag(bytes.as_ref(), &caption)
            )
        })
        .collect();
    let visible = 100.0 / n.max(1) as f64;
    Html(format!(
        "<style>@keyframes {name} {{ 0% {{ opacity: 1 }} {visible}% {{ opacity: 0 }} 100% {{ opacity: 0 }} }}</style><div style=\"display:inline-grid\">{figures}</div>"
    ))
}

/// A link that downloads `bytes` as a file named `file_name` with the given MIME type.
pub fn download(file_name: &str, mime: &str, bytes: &[u8]) -> Html {
    let name = escape_html(file_name);
    Html(format!(
        "<a download=\"{name}\" href=\"{}\">Download {name}</a>",
        data_url(&escape_html(mime), bytes)
    ))
}

/// A link that downloads MIDI file bytes as `file_name`.
pub fn midi_download(file_name: &str, bytes: &[u8]) -> Html {
    download(file_name, "audio/midi", bytes)
}

impl Text {
    /// The evcxr content block showing the text.
    pub fn to_evcxr(&self) -> String {
        evcxr_block("text/plain", &self.0)
    }

    /// Prints the content block; evcxr calls this to show the value.
    pub fn evcxr_display(&self) {
        print!("{}", self.to_evcxr());
    }

    /// The text followed by `shown` (an image, a player, a gallery), in one HTML block.
    pub fn and(&self, shown: impl ToHtml) -> Html {
        Html(self.to_html()).and(shown)
    }
}

impl ToHtml for Text {
    /// A `<pre>` block, as Jupyter shows printed text.
    fn to_html(&self) -> String {
        format!(
            "<pre style=\"margin:0 0 8px 0\">{}</pre>",
            escape_html(&self.0)
        )
    }
}

impl Png {
    /// The evcxr content block showing the image.
    pub fn to_evcxr(&self) -> String {
        evcxr_block("image/png", &BASE64.encode(&self.0))
    }

    /// Prints the content block; evcxr calls this to show the value.
    pub fn evcxr_display(&self) {
        print!("{}", self.to_evcxr());
    }
}

impl ToHtml for Png {
    /// An HTML `<img>` tag with the image inline.
    fn to_html(&self) -> String {
        img_tag(&self.0, "")
    }
}

impl Html {
    /// This block followed by `shown` (an image, a player, more HTML), in one HTML block.
    pub fn and(&self, shown: impl ToHtml) -> Html {
        Html(format!("{}{}", self.0, shown.to_html()))
    }
}

impl ToHtml for Html {
    /// The fragment itself.
    fn to_html(&self) -> String {
        self.0.clone()
    }
}

impl Html {
    /// The evcxr content block showing the fragment.
    pub fn to_evcxr(&self) -> String {
        evcxr_block("text/html", &self.0)
    }

    /// Prints the content block; evcxr calls this to show the value.
    pub fn evcxr_display(&self) {
        print!("{}", self.to_evcxr());
    }
}

impl ToHtml for Audio {
    /// An HTML `<audio>` player with the WAV data inline.
    fn to_html(&self) -> String {
        format!(
            "<audio controls src=\"{}\"></audio>",
            data_url("audio/wav", &self.0)
        )
    }
}

impl Audio {
    /// The evcxr content block showing the player.
    pub fn to_evcxr(&self) -> String {
        evcxr_block("text/html", &self.to_html())
    }

    /// Prints the content block; evcxr calls this to show the value.
    pub fn evcxr_display(&self) {
        print!("{}", self.to_evcxr());
    }
}

/// The text evcxr reads as rich output of one MIME type.
fn evcxr_block(mime: &str, data: &str) -> String {
    format!("EVCXR_BEGIN_CONTENT {mime}\n{data}\nEVCXR_END_CONTENT\n")
}

/// A `data:` URL holding `bytes` base64-encoded.
fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", BASE64.encode(bytes))
}

/// An `<img>` tag with PNG bytes inline; `alt` must already be escaped.
fn img_tag(png: &[u8], alt: &str) -> String {
    format!(
        "<img src=\"{}\" alt=\"{alt}\" style=\"max-width:100%;height:auto\">",
        data_url("image/png", png)
    )
}

/// Escapes text for use in HTML content and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The base64 payloads of every `base64,` data URL in `html`, decoded.
    fn data_urls(html: &str) -> Vec<Vec<u8>> {
        html.split("base64,")
            .skip(1)
            .map(|rest| {
                let end = rest.find('"').expect("closing quote");
                BASE64.decode(&rest[..end]).expect("valid base64")
            })
            .collect()
    }

    #[test]
    fn png_block_carries_the_bytes_in_base64() {
        let bytes = vec![0x89, b'P', b'N', b'G', 0, 255, 7];
        let block = png(bytes.clone()).to_evcxr();
        let body = block
            .strip_prefix("EVCXR_BEGIN_CONTENT image/png\n")
            .and_then(|b| b.strip_suffix("\nEVCXR_END_CONTENT\n"))
            .expect("evcxr framing");
        assert_eq!(BASE64.decode(body).unwrap(), bytes);
    }

    #[test]
    fn slideshow_stacks_every_frame_with_its_own_slot() {
        let frames = [
            ("iteration 0", vec![1u8, 2]),
            ("a<b", vec![3u8]),
            ("c", vec![4u8]),
        ];
        let Html(html) = slideshow(&frames, 0.5);
        assert_eq!(data_urls(&html), vec![vec![1, 2], vec![3], vec![4]]);
        assert!(html.contains("a&lt;b") && !html.contains("a<b"));
        // Three frames of 0.5 s: a 1.5 s cycle, frame i delayed by -(3 - i) * 0.5 s.
        assert!(html.contains("{ 0% { opacity: 1 } 33.3"));
        for delay in [
            "1.5s step-end -1.5s",
            "1.5s step-end -1s",
            "1.5s step-end -0.5s",
        ] {
            assert_eq!(html.matches(delay).count(), 1, "{delay} in {html}");
        }
    }

    #[test]
    fn text_is_plain_and_escaped_when_shown_with_an_image() {
        let table = text("a < b\n1 & 2");
        assert_eq!(
            table.to_evcxr(),
            "EVCXR_BEGIN_CONTENT text/plain\na < b\n1 & 2\nEVCXR_END_CONTENT\n"
        );
        let Html(both) = table.and(png(vec![5, 6]));
        assert!(
            both.starts_with("<pre style=\"margin:0 0 8px 0\">a &lt; b\n1 &amp; 2</pre><img src=")
        );
        assert_eq!(data_urls(&both), vec![vec![5, 6]]);
        let Html(player) = text("t").and(audio(vec![1]));
        assert!(player.contains("</pre><audio controls"));
    }

    #[test]
    fn players_caption_every_player_and_join_with_more_html() {
        let row = players(&[("variation <1>", audio(vec![1])), ("2", audio(vec![2]))]);
        assert_eq!(row.0.matches("<audio controls").count(), 2);
        assert!(row
            .0
            .contains("<figcaption>variation &lt;1&gt;</figcaption>"));
        let Html(both) = html("<p>x</p>").and(row);
        assert!(both.starts_with("<p>x</p><div"));
        assert_eq!(data_urls(&both), vec![vec![1], vec![2]]);
    }

    #[test]
    fn html_block_is_raw() {
        let block = html("<b>hi</b>").to_evcxr();
        assert_eq!(
            block,
            "EVCXR_BEGIN_CONTENT text/html\n<b>hi</b>\nEVCXR_END_CONTENT\n"
        );
    }

    #[test]
    fn audio_is_an_inline_wav_player() {
        let wav = b"RIFF....WAVEfmt ".to_vec();
        let player = audio(wav.clone()).to_html();
        assert!(player.starts_with("<audio controls src=\"data:audio/wav;base64,"));
        assert!(player.ends_with("\"></audio>"));
        assert_eq!(data_urls(&player), vec![wav]);
        assert!(audio(vec![1])
            .to_evcxr()
            .starts_with("EVCXR_BEGIN_CONTENT text/html\n<audio"));
    }

    #[test]
    fn audio_of_renders_a_wav() {
        let roll = Multitrack::new(4, 100.0, vec![crate::Track::silent("S", 0, 4)]);
        let player = audio_of(&roll).unwrap().to_html();
        let wav = &data_urls(&player)[0];
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
    }

    #[test]
    fn gallery_holds_every_image_with_its_escaped_caption() {
        let a = vec![1u8, 2, 3];
        let b = vec![9u8; 40];
        let page = gallery(&[("real <1>", &a), ("fake & \"2\"", &b)]).0;
        assert_eq!(data_urls(&page), vec![a, b]);
        assert_eq!(page.matches("<figure").count(), 2);
        assert!(
            page.contains("<figcaption style=\"text-align:center\">real &lt;1&gt;</figcaption>")
        );
        assert!(page.contains("fake &amp; &quot;2&quot;"));
        assert!(!page.contains("<1>"));
    }

    #[test]
    fn download_link_names_the_file_and_carries_the_bytes() {
        let midi = b"MThd\0\0\0\x06".to_vec();
        let link = midi_download("chorale \"1\".mid", &midi).0;
        assert!(link.starts_with(
            "<a download=\"chorale &quot;1&quot;.mid\" href=\"data:audio/midi;base64,"
        ));
        assert!(link.ends_with(">Download chorale &quot;1&quot;.mid</a>"));
        assert_eq!(data_urls(&link), vec![midi]);
    }
}
