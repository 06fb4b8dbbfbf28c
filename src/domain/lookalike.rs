//! Characters that make one text look like another: invisible ones (Unicode format characters,
//! category Cf, and control characters) and letters of other scripts drawn like Latin ones.
//! Names and emails refuse the first; emails are compared by their skeleton (after Unicode
//! TR39) so that a look-alike of an existing address is refused too.

use unicode_normalization::UnicodeNormalization;

/// The code points of Unicode's general category Cf (format), as of Unicode 16: zero-width
/// spaces and joiners, bidirectional overrides and isolates, the soft hyphen, the byte-order
/// mark, tags and a few script-specific marks. A short, stable list: hand-written rather than
/// a dependency.
const FORMAT_RANGES: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// A Unicode format character (category Cf): invisible, yet it changes what a text is.
pub fn is_format(c: char) -> bool {
    let c = u32::from(c);
    FORMAT_RANGES
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// A character no name or address may hold: a control or a format character.
pub fn is_invisible(c: char) -> bool {
    c.is_control() || is_format(c)
}

/// `text` without its control and format characters: for names that come from elsewhere
/// (Shopify's), which cannot be refused like a typed one.
pub fn visible(text: &str) -> String {
    text.chars().filter(|c| !is_invisible(*c)).collect()
}

/// Letters of the Cyrillic and Greek scripts (and digits) drawn like a Latin letter, each with
/// the Latin letter it passes for: the confusables of TR39 that lower-case text can hold.
const CONFUSABLES: &[(char, char)] = &[
    // Cyrillic
    ('а', 'a'),
    ('с', 'c'),
    ('ԁ', 'd'),
    ('е', 'e'),
    ('ё', 'e'),
    ('һ', 'h'),
    ('і', 'i'),
    ('ї', 'i'),
    ('ј', 'j'),
    ('к', 'k'),
    ('ӏ', 'l'),
    ('о', 'o'),
    ('р', 'p'),
    ('ԛ', 'q'),
    ('ѕ', 's'),
    ('ѵ', 'v'),
    ('ԝ', 'w'),
    ('х', 'x'),
    ('у', 'y'),
    ('ү', 'y'),
    // Greek
    ('α', 'a'),
    ('β', 'b'),
    ('ε', 'e'),
    ('η', 'n'),
    ('ι', 'i'),
    ('κ', 'k'),
    ('ν', 'v'),
    ('ο', 'o'),
    ('ρ', 'p'),
    ('τ', 't'),
    ('υ', 'u'),
    ('χ', 'x'),
    ('γ', 'y'),
    ('ϲ', 'c'),
    ('ϳ', 'j'),
    // Latin letters and digits that read as one another
    ('ı', 'i'),
    ('ɡ', 'g'),
    ('0', 'o'),
    ('1', 'l'),
];

/// What a text looks like: NFKC, lower case, each look-alike letter replaced by the Latin
/// letter it passes for, and marks over letters dropped (`é` and `e` look alike to a reader
/// skimming a list). Two texts with one skeleton can be mistaken for each other.
pub fn skeleton(text: &str) -> String {
    let folded: String = text.nfkc().collect::<String>().to_lowercase();
    folded
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| {
            CONFUSABLES
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to)
        })
        .collect()
}

/// Combining diacritical marks (the blocks a decomposed European letter uses).
fn is_combining_mark(c: char) -> bool {
    matches!(u32::from(c), 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// NFKC: compatibility forms folded (full-width letters, ligatures, circled digits).
pub fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters() {
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{202E}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{E0041}',
            '\u{0000}',
            '\u{0007}',
            '\u{007F}',
            '\u{0085}',
        ] {
            assert!(is_invisible(c), "{:04X}", u32::from(c));
        }
        for c in ['a', 'é', 'ñ', ' ', '-', 'а', '中'] {
            assert!(!is_invisible(c), "{c}");
        }
    }

    #[test]
    fn names_from_elsewhere_lose_their_invisible_characters() {
        assert_eq!(
            visible("Queen\u{202E}St\u{200B} West\u{0007}"),
            "QueenSt West"
        );
        assert_eq!(visible("Café Ñandú"), "Café Ñandú");
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        assert_eq!(skeleton("ana@acme.example"), "ana@acme.example");
        // Cyrillic а, е, о, р, с and Greek ο, α.
        assert_eq!(
            skeleton("\u{0430}na@acme.example"),
            skeleton("ana@acme.example")
        );
        assert_eq!(
            skeleton("ana@\u{0430}cm\u{0435}.example"),
            skeleton("ana@acme.example")
        );
        assert_eq!(
            skeleton("b\u{03BF}b@acme.example"),
            skeleton("bob@acme.example")
        );
        assert_eq!(
            skeleton("\u{0440}ete@acme.example"),
            skeleton("pete@acme.example")
        );
        // Compatibility forms and case.
        assert_eq!(
            skeleton("ＡＮＡ@acme.example"),
            skeleton("ana@acme.example")
        );
        assert_eq!(skeleton("José@acme.example"), skeleton("jose@acme.example"));
        assert_eq!(skeleton("b0b@acme.example"), skeleton("bob@acme.example"));
        assert_ne!(skeleton("ann@acme.example"), skeleton("ana@acme.example"));
    }
}
