// The "Import from Flink" dialog (issue 14), as a new user would use it: the saved REST bodies
// of a real Flink 2.3 job (tests/flink-magnitude/aligned-backpressure, the capture
// tests/import.rs imports natively) are picked with the file input and the job opens with its
// shape, its calibration and its warnings; a pasted body and a hostile file each give one error
// banner naming the body and the field, and the run on screen is kept. Screenshots at 1024x768,
// 1280x800 and 1920x1080 go to target/e2e/. It serves the release bundle, dist/, as a user gets
// it (the dialog is in the default build).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { assertClean, launchBrowser, openApp, ROOT, screenshot, startApp, watchPage } from "./helpers.mjs";
import { SIZES, tid } from "./ui-helpers.mjs";

const CAPTURE = path.join(ROOT, "tests", "flink-magnitude", "aligned-backpressure", "flink");


/** Every REST body of the capture, as tests/import.rs reads them (top level and details/). */
function captureFiles() {
  const files = [];
  for (const dir of [CAPTURE, path.join(CAPTURE, "details")]) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith(".json")) files.push(path.join(dir, name));
    }
  }
  return files;
}

/** In the open dialog: picks every body of the capture, imports them and waits for the job. */
async function importCapture(page) {
  await page.setInputFiles(tid("import-flink-files"), captureFiles());
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="import-flink-file-list"] li').length === n,
    captureFiles().length,
  );
  await page.click(tid("import-flink-go"));
  await page.waitForSelector(tid("import-flink-calibration"));
}

let app;
const browsers = {};

before(async () => {
  app = await startApp();
  for (const [w, viewport] of Object.entries(SIZES)) browsers[w] = await launchBrowser({ viewport });
});

after(async () => {
  for (const b of Object.values(browsers)) await b?.close();
  await app?.close();
});

async function open(width = 1280) {
  const page = await browsers[width].newPage();
  const diag = watchPage(page);
  await openApp(page, app.url);
  return { page, diag };
}

describe("Import from Flink", () => {
  test("a real job's REST bodies open it with its shape, calibration and warnings", async () => {
    for (const width of Object.keys(SIZES)) {
      const { page, diag } = await open(width);
      const before = await page.textContent(tid("scenario-name"));
      await page.click(tid("import-flink"));
      await page.waitForSelector(tid("import-flink-dialog"));
      // How to save the bodies: a script to copy, folded until asked for.
      assert.equal(await page.isVisible(`${tid("import-flink-save")} pre`), false);
      await page.click(`${tid("import-flink-save")} summary`);
      const script = await page.textContent(`${tid("import-flink-save")} pre`);
      assert.match(script, /curl -s \$JM\/jobs\/\$JOB\/checkpoints\/config > checkpoints-config\.json/);
      await screenshot(page, `import-flink-save-${width}`);
      await page.click(`${tid("import-flink-save")} summary`);
      await importCapture(page);
      // The job's shape: source(2) -hash-> counter(2) -forward-> sink(2), named after Flink's.
      assert.equal(await page.textContent(tid("scenario-name")), "aligned-backpressure");
      assert.notEqual(before, "aligned-backpressure");
      for (const op of ["source", "counter", "sink"]) {
        assert.ok(await page.$(tid(`operator-${op}`)), `operator ${op} is drawn`);
      }
      const calibration = await page.$$eval(`${tid("import-flink-calibration")} li`, (li) => li.map((l) => l.textContent));
      assert.ok(calibration.some((l) => l.startsWith("checkpointing <- ")), calibration.join("\n"));
      assert.ok(calibration.some((l) => l.startsWith("job.operators[1].process_ms <- ")), calibration.join("\n"));
      // Files of no endpoint the import reads are warnings, not errors.
      const warnings = await page.textContent(tid("import-flink-warnings"));
      assert.match(warnings, /run\.json: not the body of a Flink REST endpoint the import reads; ignored/);
      assert.equal(await page.$(tid("error")), null, "no error banner");
      assert.match(await page.textContent(tid("notice")), /Imported Flink job “aligned-backpressure”: 3 operators, 6 subtasks/);
      await screenshot(page, `import-flink-${width}`);
      // The dialog closes onto the imported job, which plays.
      await page.keyboard.press("Escape");
      assert.equal(await page.$(tid("import-flink-dialog")), null);
      await page.click(tid("play-pause"));
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]').dataset.us) > 0);
      await page.click(tid("play-pause"));
      await assertClean(diag);
      await page.close();
    }
  });

  test("the imported job's What if: unaligned checkpoints against the job as it is, opened in the animation", async () => {
    // The whole flow a Flink engineer comes for: their job imported, then the question asked
    // of it. The capture is a backpressured job with aligned checkpoints.
    const { page, diag } = await open(1280);
    await page.click(tid("import-flink"));
    await importCapture(page);
    await page.keyboard.press("Escape");
    await page.click(tid("whatif"));
    await page.waitForSelector(tid("whatif-panel"));
    await page.click(tid("whatif-add-unaligned"));
    await page.click(tid("whatif-run"));
    await page.waitForSelector(`${tid("whatif-row-0")}.done`, { timeout: 60_000 });
    await page.waitForSelector(`${tid("whatif-row-1")}.done`, { timeout: 60_000 });
    const header = await page.$$eval(`${tid("whatif-table")} thead th`, (ths) => ths.map((t) => t.textContent));
    const cell = async (row, col) => {
      const cells = await page.$$eval(`${tid(`whatif-row-${row}`)} td`, (tds) => tds.map((t) => t.textContent));
      return cells[header.indexOf(col) - 1];
    };
    // Seconds or milliseconds, as the table writes them.
    const ms = (text) => Number(/[\d.]+/.exec(text)[0]) * (/\d s$/.test(text) ? 1000 : 1);
    const [aligned, unaligned] = [await cell(0, "e2e p99"), await cell(1, "e2e p99")];
    assert.ok(ms(unaligned) < ms(aligned), `unaligned e2e p99 ${unaligned}, aligned ${aligned}`);
    assert.equal(await cell(0, "persisted p99"), "0 B", "aligned checkpoints persist no in-flight data");
    assert.notEqual(await cell(1, "persisted p99"), "0 B", "unaligned checkpoints persist in-flight data");
    const answer = await page.textContent(tid("whatif-answer"));
    assert.match(answer, /Would unaligned checkpoints help\?/);
    assert.ok(answer.includes(`drops from ${aligned} to ${unaligned}`), answer);
    await screenshot(page, "import-flink-whatif");
    // Open the unaligned variant in the animation, then come back to the imported job.
    await page.click(tid("whatif-row-1"));
    await page.waitForSelector(tid("whatif-panel"), { state: "detached" });
    assert.ok((await page.textContent(tid("scenario-name"))).includes("what if"));
    await page.click(tid("whatif-back"));
    assert.equal(await page.textContent(tid("scenario-name")), "aligned-backpressure");
    await assertClean(diag);
    await page.close();
  });

  test("a hostile file or a bad pasted body is one error naming it, and the run is kept", async () => {
    const { page, diag } = await open(1280);
    const before = await page.textContent(tid("scenario-name"));
    const dir = mkdtempSync(path.join(tmpdir(), "barrierscope-flink-"));
    const hostile = path.join(dir, "job.json");
    writeFileSync(hostile, JSON.stringify({ jid: "x", vertices: [{ id: "a", parallelism: -3 }] }));
    const deep = path.join(dir, "deep.json");
    writeFileSync(deep, "[".repeat(100_000));
    await page.click(tid("import-flink"));
    await page.setInputFiles(tid("import-flink-files"), [hostile]);
    await page.waitForSelector(`${tid("import-flink-file-list")} li`);
    await page.click(tid("import-flink-go"));
    await page.waitForSelector(tid("error"));
    assert.match(await page.textContent(tid("error")), /job\.json: vertices\[0\]\.parallelism: must be >= 1, is -3/);
    assert.equal(await page.textContent(tid("scenario-name")), before, "the current run is kept");
    await screenshot(page, "import-flink-error");
    // Nesting far past serde_json's limit: refused, no hang, no panic.
    await page.click(`${tid("import-flink-file-list")} li button`);
    await page.setInputFiles(tid("import-flink-files"), [deep]);
    await page.waitForSelector(`${tid("import-flink-file-list")} li`);
    await page.click(tid("import-flink-go"));
    await page.waitForFunction(() => /deep\.json: not JSON: recursion limit exceeded/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ""));
    // A pasted body with a field of the wrong type.
    await page.click(`${tid("import-flink-file-list")} li button`);
    await page.fill(tid("import-flink-paste"), '{"mode": "sometimes", "interval": 1000} {"jid": "x", "vertices": [{"id": "a", "parallelism": "two"}]}');
    await page.click(tid("import-flink-go"));
    await page.waitForFunction(() => /pasted body 1: mode: `sometimes` is not a checkpointing mode|pasted body 2: vertices\[0\]\.parallelism: invalid type: string "two"/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ""));
    assert.equal(await page.textContent(tid("scenario-name")), before, "the current run is kept");
    assert.equal(diag.pageErrors.length, 0, diag.pageErrors.join("\n"));
    await page.close();
  });
});
