//! How numbers are written on screen: simulated times in ms (Flink reports whole ms), sizes in
//! bytes with binary units as Flink's web UI does. Decimals are written with integer arithmetic
//! ([`fixed`]): the browser bundle then carries none of core's float formatting machinery.

use crate::sim::ids::SimTime;

/// Whole simulated milliseconds, e.g. `12 345 ms` is written `12345 ms`.
pub fn ms(t: SimTime) -> String {
    format!("{} ms", t.as_ms())
}

/// A duration given in µs, as ms with up to one decimal below 10 ms.
pub fn dur_us(us: u64) -> String {
    if us < 10_000 && us % 1000 != 0 {
        format!("{} ms", fixed(us as f64 / 1000.0, 1))
    } else {
        format!("{} ms", us / 1000)
    }
}

/// Bytes in binary units, one style everywhere (the lessons' texts too): `0 B`, `512 B`,
/// `37.1 KiB`, `1.2 MiB`.
pub fn bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{} {}", fixed(v, 1), UNITS[u])
}

/// A speed factor: `0.05×`, `1×`, `25×`.
pub fn speed(f: f64) -> String {
    let decimals = match f {
        f if f >= 10.0 => 0,
        f if f >= 1.0 => 1,
        f if f >= 0.1 => 2,
        _ => 3,
    };
    let s = fixed(f, decimals);
    format!("{}×", s.strip_suffix(".0").unwrap_or(&s))
}

/// `v` rounded to `decimals` places (at most 6), as `{v:.decimals$}` writes it for the values
/// the UI shows (finite, below 2^53 / 10^decimals; an exact tie rounds away from zero, where
/// the formatter rounds to even); NaN and infinities are written as 0.
pub fn fixed(v: f64, decimals: u32) -> String {
    let decimals = decimals.min(6);
    let scale = 10u64.pow(decimals);
    let scaled = if v.is_finite() {
        (v.abs() * scale as f64).round() as u64
    } else {
        0
    };
    let sign = if v < 0.0 && scaled != 0 { "-" } else { "" };
    let (int, frac) = (scaled / scale, scaled % scale);
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = decimals as usize)
    }
}

/// A decimal number typed into a field (`10`, `2.5`, `.5`, `-0.55`, `1e3`), or None. Parsed by
/// serde_json, which the bundle carries anyway, rather than by core's float parser.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.strip_prefix('+').unwrap_or(s)),
    };
    let lead = if digits.starts_with('.') { "0" } else { "" };
    serde_json::from_str::<f64>(&format!("{sign}{lead}{digits}")).ok()
}

/// A number as short as it reads: `10`, `2.5`, `0.125` (up to 3 decimals).
pub fn number(v: f64) -> String {
    let s = fixed(v, 3);
    let s = s.trim_end_matches('0');
    s.strip_suffix('.').unwrap_or(s).to_string()
}

/// Thousandths as a short number: `milli(2500)` is `2.5`.
pub fn milli(m: u64) -> String {
    number(m as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_like_flinks_web_ui() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(37_952), "37.1 KiB");
        assert_eq!(dur_us(2_500), "2.5 ms");
        assert_eq!(dur_us(140_000), "140 ms");
        assert_eq!(speed(1.0), "1×");
        assert_eq!(speed(0.1), "0.10×");
        assert_eq!(speed(100.0), "100×");
        assert_eq!(speed(2.5), "2.5×");
        assert_eq!(speed(0.01), "0.010×");
    }

    #[test]
    fn fixed_writes_what_the_float_formatter_writes() {
        for v in [
            0.0, 0.04, 0.05, 1.26, 12.349, 99.95, 359.999, 1234.56, -3.26, 1e-9,
        ] {
            for d in 0..4 {
                assert_eq!(
                    fixed(v, d),
                    format!("{v:.*}", d as usize),
                    "{v} to {d} places"
                );
            }
        }
        assert_eq!(fixed(f64::NAN, 1), "0.0");
        assert_eq!(number(10.0), "10");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(milli(1250), "1.25");
        assert_eq!(milli(1000), "1");
    }

    #[test]
    fn numbers_typed_into_fields_parse_as_str_parse_does() {
        for s in ["10", " 2.5 ", ".5", "-0.55", "1e3", "+4", "0", "-.25"] {
            assert_eq!(parse_number(s), s.trim().parse::<f64>().ok(), "{s:?}");
        }
        for s in ["", "abc", "1.2.3", "--1", "1e", "NaN"] {
            assert_eq!(parse_number(s), None, "{s:?}");
        }
    }
}
