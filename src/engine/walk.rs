//! The anchor automata and their walk over the matching view.
//!
//! The stripper has two automata, one over the anchors matched as written
//! and one over those matched ignoring ASCII case. Each reports the
//! non-overlapping leftmost-longest matches of its own patterns. When both
//! are DFAs without a prefilter (the built-in library), one loop walks both
//! over the view, a byte of each per step: the two chains of table lookups
//! are independent, so the processor overlaps them. Each walk is the one
//! [`aho_corasick`]'s `find_iter` runs, so the matches are the same.

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, Match, MatchKind};

/// Total anchor bytes up to which the automaton is a full DFA: the fastest
/// walk (one table lookup per byte), at a memory cost that grows with the
/// patterns. Above it, a contiguous NFA keeps memory small for packs of
/// 100,000 rules.
const DFA_MAX_PATTERN_BYTES: usize = 64 * 1024;

/// One automaton over a set of anchors.
#[derive(Debug, Clone)]
pub(super) enum Searcher {
    /// A full DFA.
    Dfa(Box<DFA>),
    /// A contiguous NFA, for large packs.
    Nfa(AhoCorasick),
}

impl Searcher {
    /// The leftmost-longest automaton over `patterns`, ignoring ASCII case
    /// when `ci`.
    pub(super) fn build(patterns: &[&str], ci: bool) -> Result<Searcher, aho_corasick::BuildError> {
        let bytes: usize = patterns.iter().map(|p| p.len()).sum();
        if bytes <= DFA_MAX_PATTERN_BYTES {
            Ok(Searcher::Dfa(Box::new(
                DFA::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .ascii_case_insensitive(ci)
                    .build(patterns)?,
            )))
        } else {
            Ok(Searcher::Nfa(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .ascii_case_insensitive(ci)
                    .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                    .build(patterns)?,
            ))
        }
    }

    /// Heap bytes held.
    pub(super) fn memory_usage(&self) -> usize {
        match self {
            Searcher::Dfa(d) => d.memory_usage(),
            Searcher::Nfa(a) => a.memory_usage(),
        }
    }

    /// Whether `hay` holds a match.
    pub(super) fn finds(&self, hay: &[u8]) -> bool {
        match self {
            Searcher::Dfa(d) => d
                .try_find(&Input::new(hay))
                .expect("unanchored searches are supported")
                .is_some(),
            Searcher::Nfa(a) => a.find(hay).is_some(),
        }
    }

    /// Calls `found` with every non-overlapping match in `hay`, in order.
    pub(super) fn each(&self, hay: &[u8], found: impl FnMut(Match)) {
        match self {
            Searcher::Dfa(d) => d
                .try_find_iter(Input::new(hay))
                .expect("unanchored searches are supported")
                .for_each(found),
            Searcher::Nfa(a) => a.find_iter(hay).for_each(found),
        }
    }

    /// The DFA, when this is one that one loop can walk with another: no
    /// prefilter (which would skip bytes on its own) and no empty pattern.
    pub(super) fn walkable(&self) -> Option<&DFA> {
        match self {
            Searcher::Dfa(d) if d.prefilter().is_none() && d.min_pattern_len() > 0 => {
                Some(d.as_ref())
            }
            _ => None,
        }
    }
}

/// One automaton's search as `find_iter` runs it: from the search's start
/// to a dead state (or the haystack's end), keeping the last match seen,
/// which is the longest at the leftmost start; then the next search starts
/// at that match's end.
struct Walk<'a> {
    dfa: &'a DFA,
    start: aho_corasick::automaton::StateID,
    state: aho_corasick::automaton::StateID,
    /// The next byte to read.
    at: usize,
    found: Option<Match>,
    done: bool,
}

impl<'a> Walk<'a> {
    fn new(dfa: &'a DFA) -> Walk<'a> {
        let start = dfa
            .start_state(Anchored::No)
            .expect("unanchored searches are supported");
        Walk {
            dfa,
            start,
            state: start,
            at: 0,
            found: None,
            done: false,
        }
    }

    /// Reads one byte (`at` must be inside `hay`).
    #[inline(always)]
    fn step(&mut self, hay: &[u8], emit: &mut impl FnMut(Match)) {
        self.state = self.dfa.next_state(Anchored::No, self.state, hay[self.at]);
        self.at += 1;
        if self.dfa.is_special(self.state) {
            if self.dfa.is_dead(self.state) {
                self.end_search(emit);
            } else if self.dfa.is_match(self.state) {
                let pattern = self.dfa.match_pattern(self.state, 0);
                let len = self.dfa.pattern_len(pattern);
                self.found = Some(Match::new(pattern, self.at - len..self.at));
            }
        }
    }

    /// The search ended: its match is reported and the next search starts
    /// at the match's end; without a match, there is nothing more to find.
    #[inline(always)]
    fn end_search(&mut self, emit: &mut impl FnMut(Match)) {
        match self.found.take() {
            Some(m) => {
                emit(m);
                self.at = m.end();
                self.state = self.start;
            }
            None => self.done = true,
        }
    }

    /// Walks on alone to the end.
    fn finish(&mut self, hay: &[u8], emit: &mut impl FnMut(Match)) {
        while !self.done {
            while !self.done && self.at < hay.len() {
                self.step(hay, emit);
            }
            if !self.done {
                self.end_search(emit);
            }
        }
    }
}

/// The matches of `a` and of `b` in `hay`, each in order, as two
/// `find_iter` walks would report them, found in one loop.
pub(super) fn walk_both(
    a: &DFA,
    b: &DFA,
    hay: &[u8],
    mut found_a: impl FnMut(Match),
    mut found_b: impl FnMut(Match),
) {
    let mut x = Walk::new(a);
    let mut y = Walk::new(b);
    let n = hay.len();
    loop {
        while x.at < n && y.at < n && !x.done && !y.done {
            x.step(hay, &mut found_a);
            y.step(hay, &mut found_b);
        }
        if !x.done && x.at >= n {
            x.end_search(&mut found_a);
        }
        if !y.done && y.at >= n {
            y.end_search(&mut found_b);
        }
        if x.done || y.done {
            break;
        }
    }
    x.finish(hay, &mut found_a);
    y.finish(hay, &mut found_b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(s: &Searcher, hay: &[u8]) -> Vec<Match> {
        let mut out = Vec::new();
        s.each(hay, |m| out.push(m));
        out
    }

    #[test]
    fn one_loop_finds_what_two_walks_find() {
        let exact = ["Read more", "Read more here", "Sign up", "ore h", "Photo"];
        let folded = ["read", "more here", "photo:", "up now", "e"];
        // Small sets get a prefilter; without one, they can be walked
        // together.
        let dfa = |patterns: &[&str], ci: bool| {
            DFA::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(ci)
                .prefilter(false)
                .build(patterns)
                .unwrap()
        };
        let (a, b) = (dfa(&exact, false), dfa(&folded, true));
        assert!(Searcher::Dfa(Box::new(a.clone())).walkable().is_some());
        let reference = |patterns: &[&str], ci: bool| {
            Searcher::Nfa(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .ascii_case_insensitive(ci)
                    .build(patterns)
                    .unwrap(),
            )
        };
        let (ra, rb) = (reference(&exact, false), reference(&folded, true));
        let hays: [&[u8]; 6] = [
            b"Read more here. SIGN UP NOW. Photo: x",
            b"",
            b"e",
            b"Read more",
            b"xx Sign up now; read more here, PHOTO: Read more heRe",
            "Read more\u{a0}\u{2014} Photo".as_bytes(),
        ];
        for hay in hays {
            let (mut x, mut y) = (Vec::new(), Vec::new());
            walk_both(&a, &b, hay, |m| x.push(m), |m| y.push(m));
            assert_eq!(x, matches(&ra, hay), "{hay:?}");
            assert_eq!(y, matches(&rb, hay), "{hay:?}");
        }
    }
}
