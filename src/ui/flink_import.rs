//! The "Import from Flink" dialog's model: the REST bodies gathered so far (files read, bodies
//! pasted) and what the last import gave. The import itself is the runner's
//! ([`crate::import::import`], the same parsing and calibration as `barrierscope-sim import`);
//! this is plain data, tested natively, which the dialog (`app/flink.rs`) shows and feeds.

use crate::import::{self, rest::MAX_BODY_BYTES, Imported, Input};

/// How to save the bodies the import reads, for the dialog (and docs/import.md): the endpoints
/// `barrierscope-sim import --url` fetches (`import::fetch`), with the vertex ID in the name of
/// each file that needs it (a vertex's metrics and its subtask details do not name their
/// vertex). Checked against a real Flink 2.3 job (docs/import.md).
pub const SAVE_SCRIPT: &str = r#"JM=http://localhost:8081 JOB=<job id>
curl -s $JM/jobs/$JOB > job.json
curl -s $JM/jobs/$JOB/plan > plan.json
curl -s $JM/jobs/$JOB/checkpoints/config > checkpoints-config.json
curl -s $JM/jobs/$JOB/checkpoints > checkpoints.json
VS=$(jq -r '.vertices[].id' job.json)
for C in $(jq '[.history[] | select(.status == "COMPLETED") | .id][:5][]' checkpoints.json); do
  curl -s $JM/jobs/$JOB/checkpoints/details/$C > checkpoint-$C.json
  for V in $VS; do curl -s $JM/jobs/$JOB/checkpoints/details/$C/subtasks/$V > details-$C-$V.json; done
done
for V in $VS; do
  for M in busyTimeMsPerSecond,backPressuredTimeMsPerSecond,numRecordsInPerSecond,numRecordsOutPerSecond,numBytesOutPerSecond,numBuffersOutPerSecond \
      numRecordsIn,numRecordsOut,accumulateBusyTimeMs \
      Shuffle.Netty.Input.Buffers.inputQueueLength,Shuffle.Netty.Input.Buffers.inPoolUsage; do
    curl -s "$JM/jobs/$JOB/vertices/$V/subtasks/metrics?get=$M&agg=min,max,avg,sum"
  done | jq -s add > metrics-$V.json
done"#;

/// At most this many files are kept (a job's bodies are a few dozen files).
pub const MAX_FILES: usize = 500;

/// What the last import gave, for the dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub name: String,
    pub operators: usize,
    pub subtasks: u64,
    pub warnings: Vec<String>,
    /// The scenario's `calibration`: `FIELD <- SOURCE: how`, one line per field.
    pub calibration: Vec<String>,
}

impl Outcome {
    pub fn of(imported: &Imported) -> Outcome {
        let ops = &imported.scenario.job.operators;
        Outcome {
            name: imported.scenario.name.clone(),
            operators: ops.len(),
            subtasks: ops.iter().map(|o| u64::from(o.parallelism)).sum(),
            warnings: imported.warnings.clone(),
            calibration: imported.scenario.calibration.clone(),
        }
    }

    /// The notice once the job is open.
    pub fn notice(&self) -> String {
        let warned = match self.warnings.len() {
            0 => "no warning".to_string(),
            1 => "1 warning".to_string(),
            n => format!("{n} warnings"),
        };
        format!(
            "Imported Flink job “{}”: {} operators, {} subtasks ({warned}; the calibration says where each figure came from).",
            self.name, self.operators, self.subtasks
        )
    }
}

/// The dialog's state.
#[derive(Debug, Clone, Default)]
pub struct FlinkImport {
    /// The files read, in the order they came; a file of the same name replaces the older one.
    pub files: Vec<Input>,
    /// The text pasted: one or more JSON bodies, one after another.
    pub paste: String,
    pub outcome: Option<Outcome>,
}

impl FlinkImport {
    /// A file read; refused (a message naming it) if it is too big or one too many.
    pub fn add_file(&mut self, name: String, text: String) -> Result<(), String> {
        check_size(&name, text.len())?;
        if let Some(f) = self.files.iter_mut().find(|f| f.name == name) {
            f.text = text;
            return Ok(());
        }
        if self.files.len() >= MAX_FILES {
            return Err(format!(
                "{name}: more than {MAX_FILES} files; a job's REST bodies are a few dozen"
            ));
        }
        self.files.push(Input { name, text });
        Ok(())
    }

    pub fn remove_file(&mut self, name: &str) {
        self.files.retain(|f| f.name != name);
    }

    /// Every body: the files, then each pasted one (`pasted body N`).
    pub fn inputs(&self) -> Vec<Input> {
        let mut all = self.files.clone();
        all.extend(pasted_bodies(&self.paste));
        all
    }

    /// Imports the job from every body; an error names the body and the field.
    pub fn import(&self) -> Result<Imported, String> {
        let inputs = self.inputs();
        if inputs.is_empty() {
            return Err("no REST body yet: drop or pick the saved files, or paste a body".into());
        }
        for i in &inputs {
            check_size(&i.name, i.text.len())?;
        }
        import::import(&inputs)
    }
}

/// A body bigger than the import reads is refused before it is read.
pub fn check_size(name: &str, bytes: usize) -> Result<(), String> {
    if bytes > MAX_BODY_BYTES {
        return Err(format!(
            "{name}: {bytes} bytes; a Flink REST body is at most {} MiB here",
            MAX_BODY_BYTES >> 20
        ));
    }
    Ok(())
}

/// Pasted text cut into its JSON bodies (`{...} {...}` or one per line), named `pasted body 1`,
/// `pasted body 2`, ... From the first text that is not JSON on, the rest is one body, so that
/// the import names what is wrong in it.
pub fn pasted_bodies(text: &str) -> Vec<Input> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let mut start = 0;
    loop {
        let name = format!("pasted body {}", out.len() + 1);
        match stream.next() {
            None => break,
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                out.push(Input {
                    name,
                    text: text[start..end].trim().to_string(),
                });
                start = end;
            }
            Some(Err(_)) => {
                out.push(Input {
                    name,
                    text: text[start..].trim().to_string(),
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_save_script_fetches_every_endpoint_the_import_wants() {
        for (endpoint, _) in import::WANTED {
            let path = endpoint
                .trim_start_matches("GET ")
                .replace(":id", "$JOB")
                .replace(":vid", "$V")
                .replace(":cid", "$C");
            assert!(
                SAVE_SCRIPT.contains(&format!("$JM{path}")),
                "{endpoint} is not saved by:\n{SAVE_SCRIPT}"
            );
        }
        // The bodies that do not name their vertex are saved under a name that does.
        assert!(SAVE_SCRIPT.contains("> metrics-$V.json"));
        assert!(SAVE_SCRIPT.contains("> details-$C-$V.json"));
        // The metrics `--url` asks for, in the same groups (Flink answers `[]` to a group with
        // a name it does not know).
        #[cfg(not(target_arch = "wasm32"))]
        for group in import::fetch::METRIC_GROUPS {
            assert!(SAVE_SCRIPT.contains(group), "{group}");
        }
        // The checkpoint's own details carry its state per vertex.
        assert!(SAVE_SCRIPT.contains("$JM/jobs/$JOB/checkpoints/details/$C > "));
    }

    #[test]
    fn pasted_text_is_cut_into_its_bodies() {
        let bodies = pasted_bodies(" {\"a\": 1}\n[1, 2]  {\"b\": {\"c\": null}}\n");
        let texts: Vec<&str> = bodies.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["{\"a\": 1}", "[1, 2]", "{\"b\": {\"c\": null}}"]);
        assert_eq!(bodies[2].name, "pasted body 3");
        assert!(pasted_bodies("  \n ").is_empty());
    }

    #[test]
    fn text_that_is_not_json_stays_one_body_for_the_import_to_name() {
        let bodies = pasted_bodies("{\"a\": 1} {\"b\": oops} {\"c\": 2}");
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[1].text, "{\"b\": oops} {\"c\": 2}");
        let mut f = FlinkImport {
            paste: "{\"jid\": \"x\", \"vertices\": [{\"id\": \"a\", \"parallelism\": \"two\"}]} {"
                .into(),
            ..FlinkImport::default()
        };
        let e = f.import().unwrap_err();
        assert!(
            e.starts_with("pasted body 1: vertices[0].parallelism: invalid type: string \"two\""),
            "{e}"
        );
        f.paste = "{\"jid\": \"x\", oops".into();
        let e = f.import().unwrap_err();
        assert!(e.starts_with("pasted body 1: not JSON: "), "{e}");
    }

    #[test]
    fn nothing_to_import_is_said_and_files_of_one_name_replace_each_other() {
        let mut f = FlinkImport::default();
        assert!(f.import().unwrap_err().starts_with("no REST body yet"));
        f.add_file("job.json".into(), "{}".into()).unwrap();
        f.add_file("job.json".into(), "[]".into()).unwrap();
        assert_eq!(f.files.len(), 1);
        assert_eq!(f.files[0].text, "[]");
        f.remove_file("job.json");
        assert!(f.files.is_empty());
        assert!(check_size("big.json", MAX_BODY_BYTES + 1)
            .unwrap_err()
            .starts_with("big.json: "));
    }

    #[test]
    fn a_real_capture_imports_with_its_calibration() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/flink-magnitude/aligned-backpressure/flink");
        let mut f = FlinkImport::default();
        for name in [
            "job.json",
            "plan.json",
            "checkpoints-config.json",
            "checkpoints.json",
        ] {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            f.add_file(name.into(), text).unwrap();
        }
        let imported = f.import().unwrap();
        let o = Outcome::of(&imported);
        assert_eq!(o.operators, imported.scenario.job.operators.len());
        assert!(o.operators >= 2);
        assert!(
            o.calibration.iter().any(|l| l.starts_with("checkpointing")),
            "{:?}",
            o.calibration
        );
        // No vertex metrics nor subtask details: warned, not refused.
        assert!(
            o.warnings.iter().any(|w| w.contains("subtasks/metrics")),
            "{:?}",
            o.warnings
        );
        assert!(o.notice().starts_with("Imported Flink job “"));
    }
}
