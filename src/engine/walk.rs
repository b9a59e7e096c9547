//! The anchor automata and their walk over the matching view.
//!
//! The stripper has two automata, one over the anchors matched as written
//! and one over those matched ignoring ASCII case. Each reports the
//! non-overlapping leftmost-longest matches of its own patterns. When both
//! are DFAs without a prefilter (the built-in library), one loop walks both
//! over the view, a byte of each per step: the two chains of table lookups
//! are independent, so the processor overlaps them. A long view is walked in
//! its two halves at once ([`walk_halves`]), four chains instead of two.
//! Each walk is the one [`aho_corasick`]'s `find_iter` runs, so the matches
//! are the same.

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
        self.settle(emit);
    }

    /// What the state just entered means: a dead state ends the search, a
    /// match state is the search's match so far.
    #[inline(always)]
    fn settle(&mut self, emit: &mut impl FnMut(Match)) {
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

/// Haystacks at least this long are walked in two halves at once (see
/// [`walk_halves`]).
pub(super) const SPLIT_MIN: usize = 512;

/// Positions past the middle of a haystack at which the first half's walks
/// look for the second half's.
const TRAIL: usize = 128;

/// The matches of `a` and of `b` in `hay`, as [`walk_both`] finds them,
/// with each automaton walked over both halves of `hay` at once when `hay`
/// is at least `split_min` bytes long.
///
/// The walk over the second half starts a search at the middle, as if the
/// text began there, and keeps its state at each of its first positions.
/// The walk over the first half goes on past the middle until it is at one
/// of those positions in the same state with no match pending: from there
/// the two walks do the same, so the second one's matches from there on are
/// the first one's. Four chains of table lookups instead of two let the
/// processor overlap more of the table's cache misses. When the walks do
/// not meet within a few positions, the first walks on to the end alone and
/// the second's matches are dropped: the matches are those of one walk
/// either way.
pub(super) fn walk_halves(
    a: &DFA,
    b: &DFA,
    hay: &[u8],
    split_min: usize,
    mut found_a: impl FnMut(Match),
    mut found_b: impl FnMut(Match),
) {
    let n = hay.len();
    if n < split_min.max(2) {
        return walk_both(a, b, hay, found_a, found_b);
    }
    let mid = n / 2;
    let (mut xa, mut ya) = (Walk::new(a), Walk::new(b));
    let (mut xb, mut yb) = (Half::new(a, mid, n), Half::new(b, mid, n));
    let together = |xa: &Walk<'_>, ya: &Walk<'_>, xb: &Half<'_>, yb: &Half<'_>| {
        xa.at < mid && ya.at < mid && !xa.done && !ya.done && xb.live() && yb.live()
    };
    // The second half's first positions, kept for the join.
    let mut left = TRAIL;
    while left > 0 && together(&xa, &ya, &xb, &yb) {
        xa.step(hay, &mut found_a);
        xb.step(hay);
        ya.step(hay, &mut found_b);
        yb.step(hay);
        left -= 1;
    }
    while together(&xa, &ya, &xb, &yb) {
        // The four walks in registers until one of them enters a special
        // state (a match or a dead end) or reaches its end.
        let (mut s0, mut s1) = (xa.state, xb.walk.state);
        let (mut s2, mut s3) = (ya.state, yb.walk.state);
        let (mut p0, mut p1) = (xa.at, xb.walk.at);
        let (mut p2, mut p3) = (ya.at, yb.walk.at);
        let (b1, b3) = (p1, p3);
        while p0 < mid && p2 < mid && p1 < n && p3 < n {
            s0 = a.next_state(Anchored::No, s0, hay[p0]);
            s1 = a.next_state(Anchored::No, s1, hay[p1]);
            s2 = b.next_state(Anchored::No, s2, hay[p2]);
            s3 = b.next_state(Anchored::No, s3, hay[p3]);
            p0 += 1;
            p1 += 1;
            p2 += 1;
            p3 += 1;
            if a.is_special(s0) | a.is_special(s1) | b.is_special(s2) | b.is_special(s3) {
                break;
            }
        }
        (xa.state, xa.at, ya.state, ya.at) = (s0, p0, s2, p2);
        (xb.walk.state, xb.walk.at, yb.walk.state, yb.walk.at) = (s1, p1, s3, p3);
        xb.steps += (p1 - b1) as u32;
        yb.steps += (p3 - b3) as u32;
        xa.settle(&mut found_a);
        xb.settle();
        ya.settle(&mut found_b);
        yb.settle();
    }
    xb.finish(hay);
    yb.finish(hay);
    xb.join(xa, hay, &mut found_a);
    yb.join(ya, hay, &mut found_b);
}

/// A state of an automaton.
type State = aho_corasick::automaton::StateID;

/// The walk over the second half of a haystack, from its middle.
struct Half<'a> {
    walk: Walk<'a>,
    /// Steps taken.
    steps: u32,
    /// At each of the first [`TRAIL`] positions from the middle, the first
    /// step after which the walk was there with no match pending, and its
    /// state then.
    trail: [Option<(u32, State)>; TRAIL],
    /// Its matches, each with the step it was reported in (one more than
    /// the last step for one reported at the end).
    found: Vec<(u32, Match)>,
    mid: usize,
    end: usize,
}

impl<'a> Half<'a> {
    fn new(dfa: &'a DFA, mid: usize, end: usize) -> Half<'a> {
        let mut walk = Walk::new(dfa);
        walk.at = mid;
        let mut trail = [None; TRAIL];
        trail[0] = Some((0, walk.state));
        Half {
            walk,
            steps: 0,
            trail,
            found: Vec::new(),
            mid,
            end,
        }
    }

    /// Whether a step can be taken.
    #[inline(always)]
    fn live(&self) -> bool {
        !self.walk.done && self.walk.at < self.end
    }

    #[inline(always)]
    fn step(&mut self, hay: &[u8]) {
        self.steps += 1;
        let steps = self.steps;
        let found = &mut self.found;
        self.walk.step(hay, &mut |m| found.push((steps, m)));
        self.mark();
    }

    /// [`Walk::settle`] after steps taken outside.
    #[inline(always)]
    fn settle(&mut self) {
        let steps = self.steps;
        let found = &mut self.found;
        self.walk.settle(&mut |m| found.push((steps, m)));
        self.mark();
    }

    /// Keeps where the walk is, the first time it is there with no match
    /// pending.
    #[inline(always)]
    fn mark(&mut self) {
        let i = self.walk.at.wrapping_sub(self.mid);
        if i < TRAIL && self.walk.found.is_none() && self.trail[i].is_none() {
            self.trail[i] = Some((self.steps, self.walk.state));
        }
    }

    /// Walks on alone to the end.
    fn finish(&mut self, hay: &[u8]) {
        while !self.walk.done {
            while self.live() {
                self.step(hay);
            }
            if !self.walk.done {
                self.steps += 1;
                let steps = self.steps;
                let found = &mut self.found;
                self.walk.end_search(&mut |m| found.push((steps, m)));
                self.mark();
            }
        }
    }

    /// The step after which this walk was where `w` is, in the same state,
    /// with no match pending in either.
    fn meets(&self, w: &Walk<'_>) -> Option<u32> {
        let i = w.at.wrapping_sub(self.mid);
        if i >= TRAIL || w.found.is_some() || w.done {
            return None;
        }
        self.trail[i]
            .filter(|&(_, state)| state == w.state)
            .map(|(step, _)| step)
    }

    /// Walks `first` (the walk from the start, now at the middle) on until
    /// it meets this walk, reporting its matches; then reports this walk's
    /// matches from there on.
    fn join(self, mut first: Walk<'_>, hay: &[u8], emit: &mut impl FnMut(Match)) {
        let mut met = self.meets(&first);
        while met.is_none() && !first.done && first.at < self.mid + TRAIL {
            if first.at < hay.len() {
                first.step(hay, emit);
            } else {
                first.end_search(emit);
            }
            met = self.meets(&first);
        }
        match met {
            Some(step) => {
                for &(s, m) in &self.found {
                    if s > step {
                        emit(m);
                    }
                }
            }
            None => first.finish(hay, emit),
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

    /// A DFA without a prefilter: small sets get one, and only a DFA without
    /// one can be walked with another.
    fn dfa(patterns: &[&str], ci: bool) -> DFA {
        DFA::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(ci)
            .prefilter(false)
            .build(patterns)
            .unwrap()
    }

    /// The automaton the walks must agree with.
    fn reference(patterns: &[&str], ci: bool) -> Searcher {
        Searcher::Nfa(
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(ci)
                .build(patterns)
                .unwrap(),
        )
    }

    #[test]
    fn the_halves_find_what_one_walk_finds() {
        // Few letters, so that matches overlap the middle in every way:
        // pending there, ending there, spanning it, chained across it; and
        // long enough hays that the walks also leave the kept positions.
        let exact = [
            "ab", "aab", "b a", "abab", "ba", "a b a b", "bbbbbbbb", "aaaa",
        ];
        let folded = ["a", "ab ", "bb", "b b b", "aba", "c.c"];
        let (a, b) = (dfa(&exact, false), dfa(&folded, true));
        let (ra, rb) = (reference(&exact, false), reference(&folded, true));
        let mut seed = 0x2545_f491_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut met, mut apart) = (0, 0);
        for case in 0..4000 {
            let len = 2 + (next() % 1500) as usize;
            let alphabet: &[u8] = match case % 5 {
                0 => b"ab ",
                1 => b"aB ",
                2 => b"aaab",
                3 => b"xyzxyzxyzxyzab ",
                _ => b"ab c.",
            };
            let hay: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let (mut x, mut y) = (Vec::new(), Vec::new());
            walk_halves(&a, &b, &hay, 2, |m| x.push(m), |m| y.push(m));
            let text = String::from_utf8_lossy(&hay);
            assert_eq!(x, matches(&ra, &hay), "exact, {text:?}");
            assert_eq!(y, matches(&rb, &hay), "folded, {text:?}");
            // Whether the first half's walk is where the second's was.
            let mid = hay.len() / 2;
            let mut half = Half::new(&a, mid, hay.len());
            half.finish(&hay);
            let mut first = Walk::new(&a);
            while first.at < mid && !first.done {
                first.step(&hay, &mut |_| {});
            }
            if half.meets(&first).is_some() {
                met += 1;
            } else {
                apart += 1;
            }
        }
        // Both ways of ending are taken.
        assert!(met > 100 && apart > 100, "{met} met, {apart} apart");
    }

    fn matches(s: &Searcher, hay: &[u8]) -> Vec<Match> {
        let mut out = Vec::new();
        s.each(hay, |m| out.push(m));
        out
    }

    #[test]
    fn one_loop_finds_what_two_walks_find() {
        let exact = ["Read more", "Read more here", "Sign up", "ore h", "Photo"];
        let folded = ["read", "more here", "photo:", "up now", "e"];
        let (a, b) = (dfa(&exact, false), dfa(&folded, true));
        assert!(Searcher::Dfa(Box::new(a.clone())).walkable().is_some());
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
