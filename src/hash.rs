//! Hashes: the functions of document and file hashes, written with their
//! name in front (`blake3:…`, `sha256:…`), and lowercase hex. A leaf: it uses
//! no other module of chaff.

use std::fmt;

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// The hash function of document and file hashes. A hash is written with
/// its function's name in front (`blake3:…`, `sha256:…`), so a record says
/// how to check it.
///
/// BLAKE3 is the default: it is about ten times faster than SHA-256 on CPUs
/// without SHA instructions, where SHA-256 would otherwise bound the
/// throughput of a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HashKind {
    /// BLAKE3 (256-bit output).
    #[default]
    Blake3,
    /// SHA-256.
    Sha256,
}

impl HashKind {
    /// Every hash function, in the order the command line lists them.
    pub const ALL: [HashKind; 2] = [HashKind::Blake3, HashKind::Sha256];

    /// The name written in front of a hash.
    pub fn as_str(self) -> &'static str {
        match self {
            HashKind::Blake3 => "blake3",
            HashKind::Sha256 => "sha256",
        }
    }

    /// The function named `name`.
    pub fn parse(name: &str) -> Option<HashKind> {
        HashKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The function a hash written as `name:hex` was made with.
    pub fn of(tagged: &str) -> Option<HashKind> {
        HashKind::parse(tagged.split_once(':')?.0)
    }

    /// The hash of `bytes`, as `name:hex`.
    pub fn hash(self, bytes: &[u8]) -> String {
        match self {
            HashKind::Blake3 => format!("blake3:{}", blake3::hash(bytes).to_hex()),
            HashKind::Sha256 => format!("sha256:{}", sha256_hex(bytes)),
        }
    }

    /// An incremental hasher, for data that arrives in pieces.
    pub fn hasher(self) -> Hasher {
        Hasher(match self {
            HashKind::Blake3 => HasherState::Blake3(Box::default(), Vec::new()),
            HashKind::Sha256 => {
                HasherState::Sha256(Box::new(ring::digest::Context::new(&ring::digest::SHA256)))
            }
        })
    }
}

impl fmt::Display for HashKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hashes `bytes` with the function `tagged` was made with, so the two can be
/// compared. A hash with an unknown name is checked with the default, and so
/// never matches.
pub fn rehash(tagged: &str, bytes: &[u8]) -> String {
    HashKind::of(tagged).unwrap_or_default().hash(bytes)
}

/// An incremental hash; see [`HashKind::hasher`].
#[derive(Clone)]
pub struct Hasher(HasherState);

#[derive(Clone)]
enum HasherState {
    /// The hasher and the bytes not yet given to it.
    Blake3(Box<blake3::Hasher>, Vec<u8>),
    Sha256(Box<ring::digest::Context>),
}

/// Bytes a BLAKE3 hasher gathers before it hashes them. BLAKE3 hashes many
/// 1 KiB chunks at once with SIMD, but only those of one call: fed a row or
/// a record at a time (a few KiB), it would hash most bytes one 64-byte block
/// after another, several times slower.
const BLAKE3_BATCH: usize = 64 * 1024;

impl Hasher {
    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            HasherState::Blake3(h, pending) => {
                if pending.len() + bytes.len() < BLAKE3_BATCH {
                    pending.extend_from_slice(bytes);
                    return;
                }
                if !pending.is_empty() {
                    h.update(pending);
                    pending.clear();
                }
                if bytes.len() >= BLAKE3_BATCH {
                    h.update(bytes);
                } else {
                    pending.extend_from_slice(bytes);
                }
            }
            HasherState::Sha256(h) => h.update(bytes),
        }
    }

    /// The hash, as `name:hex`.
    pub fn finish(self) -> String {
        match self.0 {
            HasherState::Blake3(mut h, pending) => {
                h.update(&pending);
                format!("blake3:{}", h.finalize().to_hex())
            }
            HasherState::Sha256(h) => {
                format!("sha256:{}", hex(h.finish().as_ref()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// However the bytes arrive, the incremental hash is the hash of
        /// all of them (pieces on both sides of the batch size included).
        #[test]
        fn pieces_hash_as_the_whole(
            data in proptest::collection::vec(any::<u8>(), 0..200_000),
            cuts in proptest::collection::vec(0usize..200_000, 0..12),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            for kind in HashKind::ALL {
                let mut h = kind.hasher();
                let mut at = 0;
                for &c in &cuts {
                    h.update(&data[at..c]);
                    at = c;
                }
                h.update(&data[at..]);
                prop_assert_eq!(h.finish(), kind.hash(&data));
            }
        }
    }
}
