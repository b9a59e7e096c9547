//! Transparent compression for JSONL shards.
//!
//! Shards may be plain text, gzip (`.gz`, possibly several concatenated
//! members, as written by `pigz` or by appending) or zstd (`.zst`, possibly
//! several frames). [`open`] sniffs the first bytes of a file and hands back a
//! streaming, buffered reader of the decompressed text; [`writer`] wraps an
//! output file in the matching encoder.
//!
//! ```no_run
//! use std::io::{BufRead, Write};
//! use chaff::compress::{self, Compression};
//!
//! # fn main() -> std::io::Result<()> {
//! let (input, c) = compress::open("shard.jsonl.zst".as_ref())?;
//! let mut out = compress::writer(std::fs::File::create("out.jsonl.zst")?, c)?;
//! for line in input.lines() {
//!     writeln!(out, "{}", line?)?;
//! }
//! out.finish()?; // writes the zstd frame end and reports any write error
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Cursor, Read, Write};
use std::path::Path;

/// Magic bytes that open every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Magic bytes that open every zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// How many bytes [`open`] reads before deciding on a format.
const HEAD_LEN: usize = 4;
/// Buffer size for readers and writers: shards are read and written in bulk.
const BUF_LEN: usize = 256 * 1024;
/// zstd level of [`Levels::default`]: zstd's own default, a good speed/size
/// trade.
pub const ZSTD_LEVEL: i32 = 3;
/// gzip level of [`Levels::default`]: gzip's own default.
pub const GZIP_LEVEL: u32 = 6;
/// The levels a gzip stream can be written at.
pub const GZIP_LEVELS: std::ops::RangeInclusive<u32> = 0..=9;
/// The levels a zstd stream can be written at (the ones past 19 use much
/// more memory).
pub const ZSTD_LEVELS: std::ops::RangeInclusive<i32> = 1..=22;

/// The compression of a shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// Plain, uncompressed text.
    #[default]
    None,
    /// gzip (RFC 1952); on read, every member of a multi-member file.
    Gzip,
    /// Zstandard; on read, every frame of a multi-frame file.
    Zstd,
}

impl Compression {
    /// Decides the compression of a file from its first bytes `head` and,
    /// failing that, from its extension.
    ///
    /// Magic bytes win: `1f 8b` is gzip and `28 b5 2f fd` is zstd whatever the
    /// file is called. Otherwise a `.gz` or `.zst` extension (any case) names
    /// the format, and anything else is [`Compression::None`]. `head` may be
    /// shorter than four bytes (a short or empty file).
    pub fn detect(path: &Path, head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            return Compression::Gzip;
        }
        if head.starts_with(&ZSTD_MAGIC) {
            return Compression::Zstd;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("gz") => Compression::Gzip,
            Some(e) if e.eq_ignore_ascii_case("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// The levels compressed outputs are written at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Levels {
    /// gzip, 0 (stored) to 9 (smallest); [`GZIP_LEVEL`] by default.
    pub gzip: u32,
    /// zstd, 1 (fastest) to 22 (smallest); [`ZSTD_LEVEL`] by default.
    pub zstd: i32,
}

impl Default for Levels {
    fn default() -> Levels {
        Levels {
            gzip: GZIP_LEVEL,
            zstd: ZSTD_LEVEL,
        }
    }
}

/// Opens `path` for streaming reads, decompressing it if needed.
///
/// The format comes from [`Compression::detect`] on the file's first bytes,
/// which are read once and then replayed, so nothing is lost and the file is
/// not reopened. A gzip file is read to the end of its last member and a zstd
/// file to the end of its last frame. An empty file reads as empty whatever
/// its name says. Corrupt compressed data shows up as an `io::Error` from the
/// reader.
pub fn open(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Compression)> {
    let mut file = File::open(path)?;
    let mut head = [0u8; HEAD_LEN];
    let mut filled = 0;
    while filled < HEAD_LEN {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = &head[..filled];
    let compression = Compression::detect(path, head);
    if head.is_empty() {
        return Ok((Box::new(io::empty()), compression));
    }
    let raw = Cursor::new(head.to_vec()).chain(file);
    let reader: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(BufReader::with_capacity(BUF_LEN, raw)),
        Compression::Gzip => {
            let decoder =
                flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(BUF_LEN, raw));
            Box::new(BufReader::with_capacity(BUF_LEN, decoder))
        }
        Compression::Zstd => {
            let decoder =
                zstd::stream::read::Decoder::with_buffer(BufReader::with_capacity(BUF_LEN, raw))?;
            Box::new(BufReader::with_capacity(BUF_LEN, decoder))
        }
    };
    Ok((reader, compression))
}

/// A buffered, possibly compressing writer that must be finished explicitly.
///
/// Dropping one without calling [`FinishWrite::finish`] may lose buffered
/// bytes and leave a truncated compressed stream behind.
pub trait FinishWrite: Write + Send {
    /// Flushes every buffered byte, ends the compressed stream (the gzip
    /// trailer or the zstd frame end) and returns the first error met on the
    /// way, including the underlying file's own write errors.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// Wraps `file` in a buffered writer that compresses with `c` at the
/// default [`Levels`]: gzip at level 6 as one member, zstd at level 3 as one
/// frame. Call [`FinishWrite::finish`] when done.
pub fn writer(file: File, c: Compression) -> io::Result<Box<dyn FinishWrite>> {
    writer_with(file, c, Levels::default())
}

/// [`writer`] at the given levels. A level out of its range is an
/// `InvalidInput` error.
pub fn writer_with(file: File, c: Compression, levels: Levels) -> io::Result<Box<dyn FinishWrite>> {
    let buffered = BufWriter::with_capacity(BUF_LEN, file);
    Ok(match c {
        Compression::None => Box::new(Plain(buffered)),
        Compression::Gzip => {
            if !GZIP_LEVELS.contains(&levels.gzip) {
                return Err(bad_level("gzip", levels.gzip, GZIP_LEVELS));
            }
            Box::new(Gzip(flate2::write::GzEncoder::new(
                buffered,
                flate2::Compression::new(levels.gzip),
            )))
        }
        Compression::Zstd => Box::new(Zstd(zstd_encoder(buffered, levels.zstd)?)),
    })
}

/// A zstd encoder writing into `inner` at `level` (in [`ZSTD_LEVELS`]),
/// with a content checksum in every frame.
pub fn zstd_encoder<W: Write>(
    inner: W,
    level: i32,
) -> io::Result<zstd::stream::write::Encoder<'static, W>> {
    if !ZSTD_LEVELS.contains(&level) {
        return Err(bad_level("zstd", level, ZSTD_LEVELS));
    }
    let mut encoder = zstd::stream::write::Encoder::new(inner, level)?;
    // A content checksum in every frame, as the zstd tool writes by default:
    // a damaged frame fails to decompress instead of giving other bytes.
    encoder.include_checksum(true)?;
    Ok(encoder)
}

fn bad_level<T: std::fmt::Display>(
    codec: &str,
    level: T,
    range: std::ops::RangeInclusive<T>,
) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{codec} level {level} is out of range ({}-{})",
            range.start(),
            range.end()
        ),
    )
}

/// Flushes a `BufWriter` into its file and surfaces the file's write error.
fn finish_file(buffered: BufWriter<File>) -> io::Result<()> {
    let mut file = buffered
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    file.flush()
}

/// Uncompressed output.
struct Plain(BufWriter<File>);

/// gzip output.
struct Gzip(flate2::write::GzEncoder<BufWriter<File>>);

/// zstd output.
struct Zstd(zstd::stream::write::Encoder<'static, BufWriter<File>>);

/// `Write` for the output wrappers: every call goes to the wrapped writer.
macro_rules! forward_write {
    ($($name:ident),*) => {$(
        impl Write for $name {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.write(buf)
            }
            fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
                self.0.write_all(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                self.0.flush()
            }
        }
    )*};
}

forward_write!(Plain, Gzip, Zstd);

impl FinishWrite for Plain {
    fn finish(self: Box<Self>) -> io::Result<()> {
        finish_file(self.0)
    }
}

impl FinishWrite for Gzip {
    fn finish(self: Box<Self>) -> io::Result<()> {
        finish_file(self.0.finish()?)
    }
}

impl FinishWrite for Zstd {
    fn finish(self: Box<Self>) -> io::Result<()> {
        finish_file(self.0.finish()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A body with many lines, long enough to span several internal buffers.
    fn body() -> String {
        (0..20_000)
            .map(|i| format!("{{\"id\":{i},\"text\":\"line {i} caf\u{e9}\"}}\n"))
            .collect()
    }

    fn write_with(path: &Path, c: Compression, data: &[u8]) {
        let mut w = writer(File::create(path).unwrap(), c).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap();
    }

    fn read_all(path: &Path) -> (String, Compression) {
        let (mut r, c) = open(path).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        (s, c)
    }

    #[test]
    fn round_trip_each_compression() {
        let dir = tempfile::tempdir().unwrap();
        let data = body();
        for (c, name) in [
            (Compression::None, "a.jsonl"),
            (Compression::Gzip, "a.jsonl.gz"),
            (Compression::Zstd, "a.jsonl.zst"),
        ] {
            let path = dir.path().join(name);
            write_with(&path, c, data.as_bytes());
            let raw = std::fs::read(&path).unwrap();
            assert_eq!(Compression::detect(Path::new("x"), &raw), c, "{name}");
            if c != Compression::None {
                assert!(raw.len() < data.len() / 4, "{name} not compressed");
            }
            let (text, found) = read_all(&path);
            assert_eq!(found, c, "{name}");
            assert!(text == data, "{name}: round trip differs");
            // Line-by-line reading works through the boxed reader too.
            let (r, _) = open(&path).unwrap();
            assert_eq!(r.lines().count(), 20_000, "{name}");
        }
    }

    #[test]
    fn levels_change_the_bytes_not_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let data = body();
        for c in [Compression::Gzip, Compression::Zstd] {
            let mut sizes = Vec::new();
            for (gzip, zstd) in [(1, 1), (9, 19)] {
                let path = dir.path().join(format!("l{gzip}"));
                let mut w =
                    writer_with(File::create(&path).unwrap(), c, Levels { gzip, zstd }).unwrap();
                w.write_all(data.as_bytes()).unwrap();
                w.finish().unwrap();
                sizes.push(std::fs::metadata(&path).unwrap().len());
                assert!(read_all(&path).0 == data, "{c:?} at {gzip}/{zstd}");
            }
            assert!(sizes[1] < sizes[0], "{c:?}: {sizes:?}");
        }
        let path = dir.path().join("bad");
        for (c, levels) in [
            (Compression::Gzip, Levels { gzip: 10, zstd: 3 }),
            (Compression::Zstd, Levels { gzip: 6, zstd: 0 }),
            (Compression::Zstd, Levels { gzip: 6, zstd: 23 }),
        ] {
            let e = writer_with(File::create(&path).unwrap(), c, levels)
                .err()
                .expect("out of range");
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{c:?}");
            assert!(e.to_string().contains("out of range"), "{e}");
        }
    }

    #[test]
    fn magic_beats_a_wrong_extension() {
        let dir = tempfile::tempdir().unwrap();
        let data = body();
        // zstd data named .gz, gzip data named .zst, gzip data named .jsonl.
        for (c, name) in [
            (Compression::Zstd, "z.jsonl.gz"),
            (Compression::Gzip, "g.jsonl.zst"),
            (Compression::Gzip, "g.jsonl"),
            (Compression::Zstd, "z.txt"),
        ] {
            let path = dir.path().join(name);
            write_with(&path, c, data.as_bytes());
            let (text, found) = read_all(&path);
            assert_eq!(found, c, "{name}");
            assert!(text == data, "{name}");
        }
        assert_eq!(
            Compression::detect(Path::new("a.gz"), &ZSTD_MAGIC),
            Compression::Zstd
        );
        assert_eq!(
            Compression::detect(Path::new("a.zst"), &[0x1f, 0x8b, 8, 0]),
            Compression::Gzip
        );
    }

    #[test]
    fn extension_decides_without_magic() {
        assert_eq!(
            Compression::detect(Path::new("a.gz"), b""),
            Compression::Gzip
        );
        assert_eq!(
            Compression::detect(Path::new("a.JSONL.GZ"), b"{"),
            Compression::Gzip
        );
        assert_eq!(
            Compression::detect(Path::new("a.zst"), b"{\"a"),
            Compression::Zstd
        );
        assert_eq!(
            Compression::detect(Path::new("a.jsonl"), b"{\"a"),
            Compression::None
        );
        assert_eq!(Compression::detect(Path::new("gz"), b""), Compression::None);
        // A single magic byte is not enough.
        assert_eq!(
            Compression::detect(Path::new("a"), &[0x1f]),
            Compression::None
        );
    }

    #[test]
    fn multi_member_gzip_and_multi_frame_zstd_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        for c in [Compression::Gzip, Compression::Zstd] {
            let mut joined = Vec::new();
            for part in ["{\"id\":1}\n", "{\"id\":2}\n", "{\"id\":3}\n"] {
                let p = dir.path().join("part");
                write_with(&p, c, part.as_bytes());
                joined.extend(std::fs::read(&p).unwrap());
            }
            let path = dir.path().join("joined");
            std::fs::write(&path, &joined).unwrap();
            let (text, found) = read_all(&path);
            assert_eq!(found, c);
            assert_eq!(text, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
        }
    }

    #[test]
    fn short_and_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["e.jsonl", "e.jsonl.gz", "e.jsonl.zst"] {
            let path = dir.path().join(name);
            std::fs::write(&path, b"").unwrap();
            assert_eq!(read_all(&path).0, "", "{name}");
        }
        let path = dir.path().join("short.jsonl");
        std::fs::write(&path, b"{}").unwrap();
        assert_eq!(read_all(&path), ("{}".to_string(), Compression::None));
    }

    #[test]
    fn corrupt_compressed_data_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        for (c, name) in [(Compression::Gzip, "t.gz"), (Compression::Zstd, "t.zst")] {
            let path = dir.path().join(name);
            write_with(&path, c, body().as_bytes());
            let mut raw = std::fs::read(&path).unwrap();
            raw.truncate(raw.len() / 2);
            std::fs::write(&path, &raw).unwrap();
            let (mut r, _) = open(&path).unwrap();
            let mut s = String::new();
            assert!(r.read_to_string(&mut s).is_err(), "{name}");
        }
        let path = dir.path().join("missing.gz");
        assert!(open(&path).is_err());
    }

    #[test]
    fn a_changed_byte_in_a_zstd_frame_is_an_error_not_other_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zst");
        // Text this short is stored as it is in the frame, so changing one
        // of its bytes decompresses, without a checksum, into other text.
        let data = "Body one.\nBody two, with a caption (AFP).\n";
        write_with(&path, Compression::Zstd, data.as_bytes());
        let mut raw = std::fs::read(&path).unwrap();
        let at = raw
            .windows(4)
            .position(|w| w == b"Body")
            .expect("the text is stored as it is");
        raw[at] = b'X';
        std::fs::write(&path, &raw).unwrap();
        let (mut r, _) = open(&path).unwrap();
        let mut s = String::new();
        assert!(r.read_to_string(&mut s).is_err(), "read {s:?}");
    }
}
