//! News-like body text: headlines, sentences and paragraphs drawn from a
//! fixed vocabulary of fictional institutions, accented names and places,
//! numbers, dates, quotes and em dashes.
//!
//! The vocabulary avoids every anchor and signature of the built-in rules,
//! so body text is never boilerplate: no parentheses, slashes, agency names,
//! "ago", "read", "share", "cookies" and the like.

use super::rng::Rng;

const FIRST_NAMES: &[&str] = &[
    "Ana",
    "José",
    "María",
    "François",
    "Zoë",
    "Søren",
    "Łukasz",
    "Jürgen",
    "Ömer",
    "Inés",
    "Björn",
    "Chloé",
    "Raúl",
    "Agnieszka",
    "Dmitri",
    "Amélie",
    "Nikolaj",
    "Tomás",
    "Ayşe",
    "Mihai",
    "Håkon",
    "Lucía",
    "Renée",
    "Kwame",
    "Priya",
    "Hiroshi",
    "Mei",
    "Olumide",
    "Fatima",
    "Yusuf",
    "Grace",
    "Daniel",
    "Sarah",
    "Thomas",
    "Elena",
    "Marco",
    "Camille",
    "Ingrid",
    "Pavel",
    "Leilani",
    "Noémie",
    "Andrés",
    "Siobhán",
    "Zoltán",
    "Dagný",
    "Matteo",
    "Aleksandra",
    "Kofi",
    "Rania",
    "Javier",
];

const LAST_NAMES: &[&str] = &[
    "García",
    "Müller",
    "Novák",
    "Østergaard",
    "Kowalczyk",
    "Nguyễn",
    "O’Connor",
    "Dubois",
    "Hernández",
    "Şahin",
    "Petrović",
    "Lindqvist",
    "Moreau",
    "Fernández",
    "Jankowski",
    "Popescu",
    "Okafor",
    "Tanaka",
    "Mensah",
    "Haddad",
    "Rossi",
    "Schäfer",
    "Kovačević",
    "Ólafsson",
    "Björklund",
    "Castro",
    "Lefèvre",
    "Mbeki",
    "Wójcik",
    "Brennan",
    "Ivanova",
    "Delgado",
    "Kim",
    "Singh",
    "Khalil",
    "Ferreira",
    "Nakamura",
    "Achebe",
    "Dupont",
    "Szabó",
    "Yılmaz",
    "Horváth",
    "Andersen",
    "Costa",
    "MacLeod",
    "Abiodun",
    "Varga",
    "Nieminen",
    "Żukowski",
    "D’Amico",
];

const PLACES: &[&str] = &[
    "Lisbon",
    "São Paulo",
    "Kraków",
    "Zürich",
    "Bogotá",
    "Reykjavík",
    "Montréal",
    "Nairobi",
    "Jakarta",
    "Düsseldorf",
    "Córdoba",
    "Gdańsk",
    "Tromsø",
    "Málaga",
    "Hanoi",
    "Accra",
    "Lyon",
    "Tbilisi",
    "Ljubljana",
    "Valparaíso",
    "Osaka",
    "Durban",
    "Porto",
    "Antwerp",
    "Brno",
    "Cluj-Napoca",
    "Thessaloniki",
    "Łódź",
    "Guadalajara",
    "Medellín",
    "Quito",
    "Dakar",
    "Kigali",
    "Tallinn",
    "Vilnius",
    "Riga",
    "Aarhus",
    "Gothenburg",
    "Bergen",
    "Marseille",
    "Bilbao",
    "Genoa",
    "Seville",
    "Curitiba",
    "Mombasa",
    "Chiang Mai",
    "Cebu",
    "Adelaide",
    "Halifax",
    "Winnipeg",
];

/// Institutions, used after "the".
const ORGS: &[&str] = &[
    "central bank",
    "finance ministry",
    "port authority",
    "regional council",
    "health agency",
    "national statistics office",
    "energy regulator",
    "transport union",
    "supreme court",
    "electoral commission",
    "city council",
    "education ministry",
    "interior ministry",
    "competition authority",
    "coast guard",
    "chamber of commerce",
    "farmers’ association",
    "state railway",
    "water utility",
    "teachers’ union",
    "defence ministry",
    "environment agency",
    "planning committee",
    "audit office",
    "foreign ministry",
    "housing board",
    "tourism board",
    "fisheries council",
    "airport operator",
    "grid operator",
];

const GROUPS: &[&str] = &[
    "residents",
    "local farmers",
    "opposition lawmakers",
    "analysts",
    "investors",
    "hospital staff",
    "transport workers",
    "several ministers",
    "the two companies",
    "shop owners",
    "the government",
    "the mayor",
    "the president",
    "the prime minister",
    "regional leaders",
    "aid agencies",
    "environmental groups",
    "the union",
    "prosecutors",
    "economists",
    "parents",
    "small businesses",
    "fishing crews",
    "the governing coalition",
];

const ROLES: &[&str] = &[
    "spokeswoman",
    "spokesman",
    "chief economist",
    "deputy mayor",
    "senior analyst",
    "union leader",
    "lead negotiator",
    "director general",
    "professor of economics",
    "board member",
    "regional governor",
    "former minister",
    "research director",
    "press officer",
    "head of operations",
    "policy adviser",
    "opposition leader",
    "chief executive",
    "legal adviser",
    "city planner",
];

const NOUNS: &[&str] = &[
    "budget",
    "proposal",
    "agreement",
    "reform",
    "deadline",
    "contract",
    "inquiry",
    "ceasefire",
    "tariff",
    "pipeline",
    "harvest",
    "subsidy",
    "loan",
    "vote",
    "strike",
    "merger",
    "investigation",
    "election",
    "plan",
    "report",
    "policy",
    "bridge",
    "railway line",
    "hospital",
    "school",
    "factory",
    "airport",
    "drought",
    "wildfire",
    "storm",
    "treaty",
    "bill",
    "levy",
    "pension scheme",
    "housing project",
    "trade deal",
    "recount",
    "audit",
    "evacuation",
    "rescue operation",
    "vaccine programme",
    "wind farm",
    "port expansion",
    "metro line",
    "water plan",
    "court ruling",
    "tax cut",
    "price cap",
    "rate rise",
    "census",
];

const PLURALS: &[&str] = &[
    "prices",
    "exports",
    "wages",
    "rents",
    "imports",
    "emissions",
    "sales",
    "fares",
    "tariffs",
    "salaries",
    "deliveries",
    "bookings",
    "arrivals",
    "harvests",
    "pensions",
    "loans",
    "claims",
    "applications",
    "profits",
    "shipments",
];

const QUANTITIES: &[&str] = &[
    "inflation",
    "unemployment",
    "turnout",
    "output",
    "public debt",
    "tax revenue",
    "growth",
    "borrowing",
    "food prices",
    "exports",
    "wages",
    "rents",
    "imports",
    "emissions",
    "retail sales",
    "freight volumes",
];

const ADJECTIVES: &[&str] = &[
    "new",
    "long-awaited",
    "controversial",
    "regional",
    "national",
    "provisional",
    "final",
    "revised",
    "annual",
    "fragile",
    "emergency",
    "three-year",
    "cross-border",
    "record",
    "modest",
    "sharp",
    "unexpected",
    "ambitious",
    "temporary",
    "costly",
    "landmark",
    "disputed",
    "interim",
    "multi-year",
    "rural",
    "coastal",
    "municipal",
    "joint",
    "sweeping",
    "limited",
];

const VERBS_PAST: &[&str] = &[
    "approved",
    "rejected",
    "announced",
    "postponed",
    "criticised",
    "defended",
    "signed",
    "unveiled",
    "delayed",
    "backed",
    "blocked",
    "extended",
    "reviewed",
    "questioned",
    "welcomed",
    "suspended",
    "scrapped",
    "expanded",
    "cut",
    "raised",
    "launched",
    "challenged",
    "endorsed",
    "revised",
    "outlined",
    "proposed",
    "finalised",
    "cancelled",
    "reinstated",
    "funded",
];

const VERBS: &[&str] = &[
    "approve", "reject", "announce", "postpone", "review", "extend", "sign", "expand", "cut",
    "raise", "launch", "revise", "fund", "scrap", "suspend", "delay", "defend", "finalise",
];

const MOVES_PAST: &[&str] = &[
    "rose",
    "fell",
    "slowed",
    "stalled",
    "eased",
    "climbed",
    "widened",
    "narrowed",
    "dipped",
    "surged",
    "stabilised",
    "recovered",
];

const HEADLINE_VERBS: &[&str] = &[
    "backs",
    "rejects",
    "delays",
    "weighs",
    "approves",
    "unveils",
    "scraps",
    "extends",
    "debates",
    "signs",
    "blocks",
    "revives",
    "questions",
    "defends",
    "expands",
    "freezes",
];

const HEADLINE_MOVES: &[&str] = &[
    "climb", "fall", "stall", "ease", "surge", "slow", "rise", "dip",
];

const CONCERNS: &[&str] = &[
    "rising costs",
    "growing protests",
    "a shortage of staff",
    "concerns over safety",
    "fears of a recession",
    "record heat",
    "heavy rain",
    "a wave of strikes",
    "tight budgets",
    "falling demand",
    "a row over funding",
    "delays at the border",
];

const ASIDES: &[&str] = &[
    "approved by a narrow margin",
    "which had been delayed twice",
    "a key demand of the unions",
    "still under review",
    "the subject of months of talks",
    "opposed by most of the region’s mayors",
    "drafted in a hurry",
    "a compromise few had expected",
];

const CONNECTORS: &[&str] = &[
    ", and ",
    ", but ",
    " while ",
    " after ",
    " because ",
    ", although ",
    " as ",
    " even though ",
    ", and ",
    ", while ",
];

const OPENERS: &[&str] = &[
    "Last week, ",
    "Earlier this year, ",
    "For now, ",
    "By late afternoon, ",
    "Until recently, ",
    "In a statement, ",
    "At the same time, ",
    "Meanwhile, ",
    "In the meantime, ",
    "Two years on, ",
    "Despite the delay, ",
    "Even so, ",
];

const SAY: &[&str] = &[
    "said",
    "told reporters",
    "added",
    "noted",
    "warned",
    "told local radio",
    "wrote in a letter to members",
    "said in an interview",
];

const WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const CURRENCIES: &[&str] = &["$", "€", "£"];

/// Writes `n` in decimal, left-padded with zeros to `width` digits.
pub(crate) fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut n = n;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    for &d in digits[..len].iter().rev() {
        out.push(d as char);
    }
}

/// Writes `n` in decimal.
pub(crate) fn push_uint(out: &mut String, n: u64) {
    push_padded(out, n, 1);
}

/// Writes `n` with thousands separators: `12,400`.
fn push_grouped(out: &mut String, n: u64) {
    if n < 1000 {
        push_uint(out, n);
    } else {
        push_grouped(out, n / 1000);
        out.push(',');
        push_padded(out, n % 1000, 3);
    }
}

/// Upper-cases the ASCII letter at byte `at`, if there is one.
fn capitalize_at(out: &mut String, at: usize) {
    if let Some(b) = out.as_bytes().get(at)
        && b.is_ascii_lowercase()
    {
        // Safe on a char boundary: an ASCII byte is a whole char.
        out[at..at + 1].make_ascii_uppercase();
    }
}

fn article_for(word: &str) -> &'static str {
    match word.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an ",
        _ => "a ",
    }
}

/// Writes the body text of one document.
pub(crate) struct TextWriter<'r> {
    rng: &'r mut Rng,
    open_quote: &'static str,
    close_quote: &'static str,
}

impl<'r> TextWriter<'r> {
    /// A writer drawing from `rng`; `curly` picks “curly” or "straight" quotes.
    pub(crate) fn new(rng: &'r mut Rng, curly: bool) -> TextWriter<'r> {
        let (open_quote, close_quote) = if curly { ("“", "”") } else { ("\"", "\"") };
        TextWriter {
            rng,
            open_quote,
            close_quote,
        }
    }

    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        self.rng.pick(items)
    }

    /// A headline, in sentence case, without a final period.
    pub(crate) fn headline(&mut self, out: &mut String) {
        let start = out.len();
        match self.rng.below(5) {
            0 => {
                out.push_str(self.pick(PLACES));
                out.push(' ');
                out.push_str(self.pick(HEADLINE_VERBS));
                out.push(' ');
                out.push_str(self.pick(ADJECTIVES));
                out.push(' ');
                out.push_str(self.pick(NOUNS));
            }
            1 => {
                out.push_str(self.pick(ORGS));
                out.push(' ');
                out.push_str(self.pick(HEADLINE_VERBS));
                out.push(' ');
                out.push_str(self.pick(NOUNS));
                out.push_str(" as ");
                out.push_str(self.pick(PLURALS));
                out.push(' ');
                out.push_str(self.pick(HEADLINE_MOVES));
            }
            2 => {
                out.push_str(self.pick(QUANTITIES));
                out.push_str(" in ");
                out.push_str(self.pick(PLACES));
                out.push(' ');
                out.push_str(self.pick(MOVES_PAST));
                out.push_str(" to its highest level since ");
                self.year(out);
            }
            3 => {
                out.push_str(self.pick(LAST_NAMES));
                out.push(' ');
                out.push_str(self.pick(HEADLINE_VERBS));
                out.push(' ');
                out.push_str(self.pick(NOUNS));
                out.push_str(" amid ");
                out.push_str(self.pick(CONCERNS));
            }
            _ => {
                out.push_str(self.pick(PLACES));
                out.push_str(" braces for ");
                out.push_str(self.pick(ADJECTIVES));
                out.push(' ');
                out.push_str(self.pick(NOUNS));
                out.push_str(" — what we know so far");
            }
        }
        capitalize_at(out, start);
    }

    /// A paragraph of 1 to 5 sentences on one line, without a line break.
    pub(crate) fn paragraph(&mut self, out: &mut String) {
        let sentences = 1 + self.rng.weighted(&[15, 30, 30, 17, 8]);
        for i in 0..sentences {
            if i > 0 {
                out.push(' ');
            }
            self.sentence(out);
        }
    }

    /// Words in `out[start..]`: one more than its spaces.
    fn words_since(out: &str, start: usize) -> usize {
        out.as_bytes()[start..]
            .iter()
            .filter(|&&b| b == b' ')
            .count()
            + 1
    }

    /// One sentence of about 8 to 35 words.
    pub(crate) fn sentence(&mut self, out: &mut String) {
        let target = 8 + self.rng.below(15) + self.rng.below(14);
        let start = out.len();
        match self.rng.weighted(&[34, 16, 14, 10, 10, 8, 8]) {
            0 => {
                if self.rng.chance(30) {
                    self.opener(out);
                }
                self.clause(out);
                capitalize_at(out, start);
                self.extend(out, start, target);
                if self.rng.chance(35) {
                    self.attribution(out);
                }
                out.push('.');
            }
            1 => {
                // “Clause,” Name said.
                out.push_str(self.open_quote);
                let cap = out.len();
                self.clause(out);
                capitalize_at(out, cap);
                self.extend(out, start, target.saturating_sub(4));
                out.push(',');
                out.push_str(self.close_quote);
                out.push(' ');
                self.person(out);
                out.push(' ');
                out.push_str(self.pick(SAY));
                out.push('.');
            }
            2 => {
                // Name, the role of the org, said: “Clause.”
                self.person(out);
                out.push_str(", the ");
                out.push_str(self.pick(ROLES));
                out.push_str(" of the ");
                out.push_str(self.pick(ORGS));
                out.push_str(", said: ");
                out.push_str(self.open_quote);
                let cap = out.len();
                self.clause(out);
                capitalize_at(out, cap);
                self.extend(out, start, target);
                out.push('.');
                out.push_str(self.close_quote);
            }
            3 => {
                // Quantity moved by N percent in Month, attribution.
                let cap = out.len();
                out.push_str(self.pick(QUANTITIES));
                capitalize_at(out, cap);
                out.push(' ');
                out.push_str(self.pick(MOVES_PAST));
                out.push_str(" by ");
                self.percent(out);
                out.push_str(" in ");
                out.push_str(self.pick(MONTHS));
                if self.rng.chance(50) {
                    out.push_str(", the ");
                    out.push_str(if self.rng.chance(50) {
                        "fastest"
                    } else {
                        "slowest"
                    });
                    out.push_str(" pace since ");
                    self.year(out);
                }
                self.extend(out, start, target);
                out.push_str(", the ");
                out.push_str(self.pick(ORGS));
                out.push(' ');
                out.push_str(self.pick(SAY));
                out.push('.');
            }
            4 => {
                // The noun — aside — predicate.
                out.push_str("The ");
                out.push_str(self.pick(NOUNS));
                out.push_str(" — ");
                out.push_str(self.pick(ASIDES));
                out.push_str(" — ");
                self.predicate(out);
                self.extend(out, start, target);
                out.push('.');
            }
            5 => {
                out.push_str("According to the ");
                out.push_str(self.pick(ORGS));
                out.push_str(", ");
                self.clause(out);
                self.extend(out, start, target);
                out.push('.');
            }
            _ => {
                out.push_str("In ");
                out.push_str(self.pick(PLACES));
                out.push_str(", where ");
                self.clause(out);
                out.push_str(", ");
                self.clause(out);
                self.extend(out, start, target);
                out.push('.');
            }
        }
    }

    /// Adds clauses and adjuncts until the sentence has about `target` words.
    fn extend(&mut self, out: &mut String, start: usize, target: usize) {
        let mut used = 0u16;
        let mut words = Self::words_since(out, start);
        for _ in 0..4 {
            if words + 3 >= target {
                break;
            }
            let before = out.len();
            if target - words < 8 || self.rng.chance(30) {
                self.adjunct(out, &mut used);
            } else {
                out.push_str(self.pick(CONNECTORS));
                self.clause(out);
            }
            words += Self::words_since(out, before) - 1;
        }
    }

    fn opener(&mut self, out: &mut String) {
        match self.rng.below(4) {
            0 => {
                out.push_str("On ");
                out.push_str(self.pick(WEEKDAYS));
                out.push_str(", ");
            }
            1 => {
                out.push_str("In ");
                out.push_str(self.pick(MONTHS));
                out.push_str(", ");
            }
            2 => {
                out.push_str("Since ");
                self.year(out);
                out.push_str(", ");
            }
            _ => out.push_str(self.pick(OPENERS)),
        }
    }

    fn clause(&mut self, out: &mut String) {
        self.subject(out);
        out.push(' ');
        self.predicate(out);
    }

    fn subject(&mut self, out: &mut String) {
        match self.rng.weighted(&[30, 20, 12, 25, 13]) {
            0 => {
                out.push_str("the ");
                out.push_str(self.pick(ORGS));
            }
            1 => self.person(out),
            2 => {
                self.person(out);
                let role = self.pick(ROLES);
                out.push_str(", ");
                out.push_str(article_for(role));
                out.push_str(role);
                out.push_str(" in ");
                out.push_str(self.pick(PLACES));
                out.push(',');
            }
            3 => out.push_str(self.pick(GROUPS)),
            _ => {
                out.push_str("the ");
                out.push_str(self.pick(ADJECTIVES));
                out.push(' ');
                out.push_str(self.pick(NOUNS));
            }
        }
    }

    fn predicate(&mut self, out: &mut String) {
        match self.rng.weighted(&[40, 18, 17, 15, 10]) {
            0 => {
                out.push_str(self.pick(VERBS_PAST));
                out.push(' ');
                self.object(out);
            }
            1 => {
                out.push_str("said on ");
                out.push_str(self.pick(WEEKDAYS));
                out.push_str(" that ");
                out.push_str(self.pick(PLURALS));
                out.push_str(" had ");
                out.push_str(self.pick(MOVES_PAST_PARTICIPLES));
                out.push_str(" by ");
                self.percent(out);
            }
            2 => {
                out.push_str("would ");
                out.push_str(self.pick(VERBS));
                out.push(' ');
                self.object(out);
            }
            3 => {
                out.push_str("had ");
                out.push_str(self.pick(VERBS_PAST));
                out.push(' ');
                self.object(out);
                out.push_str(" on ");
                self.date(out);
            }
            _ => {
                out.push_str("set aside ");
                self.money(out);
                out.push_str(" for the ");
                out.push_str(self.pick(NOUNS));
            }
        }
    }

    fn object(&mut self, out: &mut String) {
        match self.rng.below(5) {
            0 | 1 => {
                out.push_str("the ");
                out.push_str(self.pick(NOUNS));
            }
            2 => {
                let adjective = self.pick(ADJECTIVES);
                out.push_str(article_for(adjective));
                out.push_str(adjective);
                out.push(' ');
                out.push_str(self.pick(NOUNS));
            }
            3 => {
                out.push_str("plans to ");
                out.push_str(self.pick(VERBS));
                out.push_str(" the ");
                out.push_str(self.pick(NOUNS));
            }
            _ => {
                out.push_str("the ");
                out.push_str(self.pick(ORGS));
                out.push_str("’s ");
                out.push_str(self.pick(NOUNS));
            }
        }
    }

    /// Adds an adjunct of a kind not in `used` (a bit per kind).
    fn adjunct(&mut self, out: &mut String, used: &mut u16) {
        let mut kind = self.rng.below(9);
        while *used & (1 << kind) != 0 {
            kind = (kind + 1) % 9;
        }
        *used |= 1 << kind;
        if *used == (1 << 9) - 1 {
            *used = 0;
        }
        match kind {
            0 => {
                out.push_str(" in ");
                out.push_str(self.pick(PLACES));
            }
            1 => {
                out.push_str(" on ");
                out.push_str(self.pick(WEEKDAYS));
            }
            2 => {
                out.push_str(" on ");
                self.date(out);
            }
            3 => {
                out.push_str(" after ");
                push_uint(out, self.rng.range(2, 18) as u64);
                out.push_str(" months of talks");
            }
            4 => {
                out.push_str(" amid ");
                out.push_str(self.pick(CONCERNS));
            }
            5 => {
                out.push_str(" ahead of the ");
                push_uint(out, self.rng.range(2024, 2031) as u64);
                out.push_str(" election");
            }
            6 => {
                out.push_str(" for the first time since ");
                self.year(out);
            }
            7 => {
                out.push_str(", affecting some ");
                push_grouped(out, self.rng.range(120, 250_000) as u64);
                out.push_str(" people");
            }
            _ => {
                out.push_str(" under pressure from the ");
                out.push_str(self.pick(ORGS));
            }
        }
    }

    fn attribution(&mut self, out: &mut String) {
        match self.rng.below(4) {
            0 => {
                out.push_str(", ");
                self.person(out);
                out.push(' ');
                out.push_str(self.pick(SAY));
            }
            1 => {
                out.push_str(", the ");
                out.push_str(self.pick(ORGS));
                out.push_str(" said in a statement");
            }
            2 => {
                out.push_str(", officials said on ");
                out.push_str(self.pick(WEEKDAYS));
            }
            _ => {
                out.push_str(", according to figures from the ");
                out.push_str(self.pick(ORGS));
            }
        }
    }

    fn person(&mut self, out: &mut String) {
        out.push_str(self.pick(FIRST_NAMES));
        out.push(' ');
        out.push_str(self.pick(LAST_NAMES));
    }

    fn year(&mut self, out: &mut String) {
        push_uint(out, self.rng.range(1995, 2025) as u64);
    }

    fn date(&mut self, out: &mut String) {
        let day = self.rng.range(1, 28) as u64;
        if self.rng.chance(50) {
            out.push_str(self.pick(MONTHS));
            out.push(' ');
            push_uint(out, day);
            out.push_str(", ");
        } else {
            push_uint(out, day);
            out.push(' ');
            out.push_str(self.pick(MONTHS));
            out.push(' ');
        }
        self.year(out);
    }

    fn percent(&mut self, out: &mut String) {
        push_uint(out, self.rng.range(0, 14) as u64);
        out.push('.');
        push_uint(out, self.rng.range(1, 9) as u64);
        out.push_str(if self.rng.chance(60) { " percent" } else { "%" });
    }

    fn money(&mut self, out: &mut String) {
        out.push_str(self.pick(CURRENCIES));
        push_uint(out, self.rng.range(1, 950) as u64);
        if self.rng.chance(40) {
            out.push('.');
            push_uint(out, self.rng.range(1, 9) as u64);
        }
        out.push_str(if self.rng.chance(70) {
            " million"
        } else {
            " billion"
        });
    }
}

const MOVES_PAST_PARTICIPLES: &[&str] = &[
    "risen",
    "fallen",
    "slowed",
    "eased",
    "climbed",
    "dipped",
    "surged",
    "recovered",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted() {
        let mut s = String::new();
        push_padded(&mut s, 42, 6);
        s.push(' ');
        push_grouped(&mut s, 1_234_567);
        s.push(' ');
        push_grouped(&mut s, 1_005);
        s.push(' ');
        push_uint(&mut s, 0);
        assert_eq!(s, "000042 1,234,567 1,005 0");
    }

    #[test]
    fn sentences_are_capitalised_and_closed() {
        let mut rng = Rng::new(3);
        let mut w = TextWriter::new(&mut rng, true);
        for _ in 0..500 {
            let mut s = String::new();
            w.sentence(&mut s);
            let first = s.chars().next().unwrap();
            assert!(first.is_uppercase() || first == '“', "{s}");
            assert!(s.ends_with('.') || s.ends_with(".”"), "{s}");
            let words = s.split(' ').count();
            assert!((6..=48).contains(&words), "{words} words: {s}");
            assert!(!s.contains("  ") && !s.contains('\n'), "{s:?}");
        }
    }
}
