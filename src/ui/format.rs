//! How numbers are written on screen: simulated times in ms (Flink reports whole ms), sizes in
//! bytes with binary units as Flink's web UI does.

use crate::sim::ids::SimTime;

/// Whole simulated milliseconds, e.g. `12 345 ms` is written `12345 ms`.
pub fn ms(t: SimTime) -> String {
    format!("{} ms", t.as_ms())
}

/// A duration given in µs, as ms with up to one decimal below 10 ms.
pub fn dur_us(us: u64) -> String {
    if us < 10_000 && us % 1000 != 0 {
        format!("{:.1} ms", us as f64 / 1000.0)
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
    format!("{v:.1} {}", UNITS[u])
}

/// A speed factor: `0.05×`, `1×`, `25×`.
pub fn speed(f: f64) -> String {
    if f >= 10.0 {
        format!("{f:.0}×")
    } else if f >= 1.0 {
        format!("{f:.1}×").replace(".0×", "×")
    } else if f >= 0.1 {
        format!("{f:.2}×")
    } else {
        format!("{f:.3}×")
    }
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
    }
}
