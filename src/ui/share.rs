//! Share links: the URL hash that reproduces a run and a frame exactly.
//!
//! `#v=1&sc=KEY&seed=N&t=US&ev=N&k=N&in=B64` where `sc` names a shipped scenario (used when the
//! scenario on screen is the shipped one unchanged) or `json=B64` carries the whole scenario;
//! `seed` replaces the scenario's seed; `in` is the timeline's inputs (faults, manual triggers
//! and checkpoint settings, each with the simulated time it was applied at); `t`, `ev` and `k`
//! are the frame: simulated µs, events processed and inputs applied. `B64` is base64url of
//! compact JSON. Pure Rust: tested natively.

use super::run::Frame;
use crate::sim::ids::SimTime;
use crate::sim::scenario::{CheckpointingSpec, FaultSpec, Scenario};
use crate::sim::Input;
use serde::{Deserialize, Serialize};

/// The scenario of a link: a shipped one by name, or the whole file.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioRef {
    Shipped(String),
    Inline(Box<Scenario>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShareLink {
    pub scenario: ScenarioRef,
    pub seed: u64,
    pub inputs: Vec<(SimTime, Input)>,
    pub frame: Frame,
}

/// One input as it is written in a link.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    at_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fault: Option<FaultSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpointing: Option<CheckpointingSpec>,
}

/// Most inputs a link may carry.
pub const MAX_LINK_INPUTS: usize = 10_000;

impl ShareLink {
    /// The hash, without the leading `#`.
    pub fn to_hash(&self) -> String {
        let mut out = String::from("v=1");
        match &self.scenario {
            ScenarioRef::Shipped(key) => {
                out.push_str("&sc=");
                out.push_str(&encode_component(key));
            }
            ScenarioRef::Inline(s) => {
                out.push_str("&json=");
                // The file as Export writes it (one serializer for scenarios in the bundle).
                out.push_str(&base64url_encode(s.to_json().as_bytes()));
            }
        }
        out.push_str(&format!("&seed={}", self.seed));
        if !self.inputs.is_empty() {
            let raw: Vec<RawInput> = self
                .inputs
                .iter()
                .map(|(at, input)| match input {
                    Input::Fault(f) => RawInput {
                        at_us: at.0,
                        fault: Some(f.clone()),
                        checkpointing: None,
                    },
                    Input::Checkpointing(c) => RawInput {
                        at_us: at.0,
                        fault: None,
                        checkpointing: Some(c.clone()),
                    },
                })
                .collect();
            out.push_str("&in=");
            // Pretty, as the scenario: one serializer for faults and settings in the bundle.
            out.push_str(&base64url_encode(
                serde_json::to_string_pretty(&raw)
                    .unwrap_or_default()
                    .as_bytes(),
            ));
        }
        out.push_str(&format!(
            "&t={}&ev={}&k={}",
            self.frame.now.0, self.frame.events, self.frame.inputs
        ));
        out
    }

    /// Parses a hash (with or without the leading `#`). Errors say what is wrong, in one line.
    pub fn from_hash(hash: &str) -> Result<ShareLink, String> {
        let hash = hash.strip_prefix('#').unwrap_or(hash);
        let mut version = None;
        let mut scenario = None;
        let mut seed = None;
        let mut inputs = Vec::new();
        let (mut t, mut ev, mut k) = (None, None, None);
        for part in hash.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{}` is not a key=value pair", clip(part)))?;
            match key {
                "v" => version = Some(value.to_string()),
                "sc" => scenario = Some(ScenarioRef::Shipped(decode_component(value)?)),
                "json" => {
                    let bytes = base64url_decode(value).ok_or("`json` is not valid base64url")?;
                    let text = String::from_utf8(bytes).map_err(|_| "`json` is not UTF-8")?;
                    let s = Scenario::from_json(&text).map_err(|e| format!("`json`: {e}"))?;
                    scenario = Some(ScenarioRef::Inline(Box::new(s)));
                }
                "seed" => seed = Some(number(key, value)?),
                "in" => {
                    let bytes = base64url_decode(value).ok_or("`in` is not valid base64url")?;
                    // As text: the bundle then carries one JSON reader (str), not two.
                    let text = String::from_utf8(bytes).map_err(|_| "`in` is not UTF-8")?;
                    let raw: Vec<RawInput> = serde_json::from_str(&text)
                        .map_err(|e| format!("`in` is not a list of inputs: {e}"))?;
                    if raw.len() > MAX_LINK_INPUTS {
                        return Err(format!("`in` has more than {MAX_LINK_INPUTS} inputs"));
                    }
                    let mut last = 0;
                    for (i, r) in raw.into_iter().enumerate() {
                        if r.at_us < last {
                            return Err(format!(
                                "`in`: input {i} comes before the one ahead of it"
                            ));
                        }
                        last = r.at_us;
                        let input = match (r.fault, r.checkpointing) {
                            (Some(f), None) => Input::Fault(f),
                            (None, Some(c)) => Input::Checkpointing(c),
                            _ => {
                                return Err(format!(
                                "`in`: input {i} needs exactly one of `fault` or `checkpointing`"
                            ))
                            }
                        };
                        inputs.push((SimTime(r.at_us), input));
                    }
                }
                "t" => t = Some(number(key, value)?),
                "ev" => ev = Some(number(key, value)?),
                "k" => k = Some(number(key, value)?),
                other => return Err(format!("unknown field `{}`", clip(other))),
            }
        }
        if version.as_deref() != Some("1") {
            return Err("not a BarrierScope share link (expected v=1)".into());
        }
        let scenario = scenario.ok_or("the link names no scenario (`sc` or `json`)")?;
        let t = t.ok_or("the link has no time (`t`)")?;
        let k = k.unwrap_or(inputs.len() as u64);
        if k > inputs.len() as u64 {
            return Err(format!(
                "`k` is {k} but the link carries {} inputs",
                inputs.len()
            ));
        }
        Ok(ShareLink {
            scenario,
            seed: seed.ok_or("the link has no `seed`")?,
            inputs,
            frame: Frame {
                now: SimTime(t),
                events: ev.unwrap_or(u64::MAX),
                inputs: k as usize,
            },
        })
    }
}

fn number(key: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("`{key}` is not a whole number: `{}`", clip(value)))
}

fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Percent-encodes everything but `A-Z a-z 0-9 - _ . ~`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn decode_component(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in `{}`", clip(s)))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{}` is not UTF-8", clip(s)))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = match chunk.len() {
            3 => (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8 | chunk[2] as u32,
            2 => (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8,
            _ => (chunk[0] as u32) << 16,
        };
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if s.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::Fault;

    #[test]
    fn base64url_round_trips_every_length() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
            let enc = base64url_encode(&data);
            assert!(!enc.contains('='));
            assert_eq!(base64url_decode(&enc).unwrap(), data, "length {n}");
        }
        assert_eq!(base64url_encode(b"hello"), "aGVsbG8");
        assert!(base64url_decode("a").is_none());
        assert!(base64url_decode("a$bc").is_none());
    }

    #[test]
    fn a_link_round_trips() {
        let link = ShareLink {
            scenario: ScenarioRef::Shipped("happy path".into()),
            seed: 99,
            inputs: vec![
                (
                    SimTime(1_500_000),
                    Input::Fault(FaultSpec {
                        at_ms: 1500,
                        fault: Fault::Kill {
                            task: "map#1".into(),
                        }
                        .into(),
                    }),
                ),
                (
                    SimTime(2_000_000),
                    Input::Checkpointing(CheckpointingSpec {
                        interval_ms: Some(300),
                        unaligned: true,
                        ..Default::default()
                    }),
                ),
            ],
            frame: Frame {
                now: SimTime(4_321_000),
                events: 1234,
                inputs: 2,
            },
        };
        let hash = link.to_hash();
        assert!(hash.starts_with("v=1&sc=happy%20path&seed=99&in="));
        assert_eq!(ShareLink::from_hash(&format!("#{hash}")).unwrap(), link);
    }

    #[test]
    fn bad_links_say_why() {
        for (hash, want) in [
            ("#hello", "key=value"),
            ("#v=2&sc=a&seed=1&t=0", "expected v=1"),
            ("#v=1&seed=1&t=0", "no scenario"),
            ("#v=1&sc=a&t=0", "no `seed`"),
            ("#v=1&sc=a&seed=x&t=0", "not a whole number"),
            ("#v=1&sc=a&seed=1&t=0&in=!!", "base64url"),
            ("#v=1&sc=a&seed=1&t=0&in=W10&k=3", "carries 0 inputs"),
            ("#v=1&sc=a&seed=1&t=0&zzz=1", "unknown field"),
            ("#v=1&json=e30&seed=1&t=0", "json"),
        ] {
            let e = ShareLink::from_hash(hash).unwrap_err();
            assert!(e.contains(want), "{hash}: {e}");
        }
    }
}
