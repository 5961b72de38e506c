//! Personal data: phone and ID numbers are parsed on the way in and masked on the way out
//! (PIPL, RULES.md §4: `138****1234`).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalError {
    #[error("phone")]
    Phone,
    #[error("id_number")]
    IdNumber,
}

/// A mainland mobile number (11 digits starting with 1) or a landline with area code (e.g. 023-49876543).
pub fn parse_phone(text: &str) -> Result<String, PersonalError> {
    let t: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let t = t.strip_prefix("+86").unwrap_or(&t);
    let ok = t.bytes().all(|b| b.is_ascii_digit())
        && ((t.len() == 11 && t.starts_with('1'))
            || ((10..=12).contains(&t.len()) && t.starts_with('0')));
    if ok {
        Ok(t.to_string())
    } else {
        Err(PersonalError::Phone)
    }
}

/// A resident identity card number: 18 characters, the last a digit or X, with a valid ISO 7064 check digit.
pub fn parse_id_number(text: &str) -> Result<String, PersonalError> {
    let t = text.trim().to_ascii_uppercase();
    let b = t.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Err(PersonalError::IdNumber);
    }
    if id_check_char(&t[..17]) != b[17] as char {
        return Err(PersonalError::IdNumber);
    }
    Ok(t)
}

/// The check character of the first 17 digits of an ID number (GB 11643).
pub fn id_check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let s: u32 = first17
        .bytes()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    C[(s % 11) as usize]
}

/// `13812341234` → `138****1234`; short numbers keep only their last two characters.
pub fn mask_phone(phone: &str) -> String {
    mask_keep(phone, 3, 4)
}

/// `500118199001011234` → `5001**********1234`.
pub fn mask_id_number(id: &str) -> String {
    mask_keep(id, 4, 4)
}

fn mask_keep(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        let keep = chars.len().min(2);
        let hidden = chars.len() - keep;
        return "*".repeat(hidden) + &chars[hidden..].iter().collect::<String>();
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_like_the_rules_say() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_id_number("500118199001011234"), "5001**********1234");
        assert_eq!(mask_phone("110"), "*10");
    }

    #[test]
    fn parses_phones() {
        assert_eq!(parse_phone("138 1234 1234").unwrap(), "13812341234");
        assert_eq!(parse_phone("+8613812341234").unwrap(), "13812341234");
        assert_eq!(parse_phone("023-49876543").unwrap(), "02349876543");
        for bad in ["", "12345", "2381234123x", "238123412345"] {
            assert!(parse_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checks_id_digit() {
        let base = "50011819900101123";
        let good = format!("{base}{}", id_check_char(base));
        assert!(parse_id_number(&good).is_ok());
        let wrong = if good.ends_with('0') {
            format!("{base}1")
        } else {
            format!("{base}0")
        };
        assert!(parse_id_number(&wrong).is_err());
        assert!(parse_id_number("12345").is_err());
    }

    proptest! {
        #[test]
        fn a_masked_phone_never_shows_the_middle(d in "1[3-9][0-9]{9}") {
            let m = mask_phone(&d);
            prop_assert_eq!(m.len(), 11);
            prop_assert_eq!(&m[3..7], "****");
            prop_assert_eq!(&m[..3], &d[..3]);
            prop_assert_eq!(&m[7..], &d[7..]);
        }

        #[test]
        fn a_masked_id_hides_birth_date(d in "[1-6][0-9]{16}[0-9X]") {
            let m = mask_id_number(&d);
            prop_assert!(m[4..14].chars().all(|c| c == '*'));
        }
    }
}
