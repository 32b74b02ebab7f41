//! The one range rule of JSON numbers: a number that rounds to infinity as an f64 is refused
//! (as serde_json, which the reader replaced, refused it), decided on the decimal digits.

/// Whether `int.frac × 10^exponent` (decimal digits) rounds to infinity as an f64: it is at
/// least 2^1024 − 2^970, the point halfway between f64::MAX and 2^1024.
pub(super) fn overflows_f64(int: &[u8], frac: &[u8], exponent: i64) -> bool {
    /// 2^1024 − 2^970 (309 digits), trailing zeros removed.
    const HALFWAY: &[u8] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
    // The significant digits, and the power of ten of the first of them.
    let all = || int.iter().chain(frac).copied();
    let Some(lead) = all().position(|d| d != b'0') else {
        return false; // zero
    };
    let int_len = i64::try_from(int.len()).unwrap_or(i64::MAX);
    let magnitude = (int_len - 1 - i64::try_from(lead).unwrap_or(i64::MAX)).saturating_add(exponent);
    match magnitude.cmp(&308) {
        core::cmp::Ordering::Less => false,
        core::cmp::Ordering::Greater => true,
        // Same magnitude: compare the digits as decimal fractions (missing digits are zeros).
        core::cmp::Ordering::Equal => {
            let mut digits = all().skip(lead);
            for &h in HALFWAY {
                match digits.next().unwrap_or(b'0').cmp(&h) {
                    core::cmp::Ordering::Less => return false,
                    core::cmp::Ordering::Greater => return true,
                    core::cmp::Ordering::Equal => {}
                }
            }
            true // equal to the halfway point, or above it: ties round to even, 2^1024
        }
    }
}
