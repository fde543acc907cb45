import { describe, expect, it } from "vitest";
import { baseRunRecord, baseScenario, sampleRunRecord, slo, withScenarios } from "../../test/support/records.js";
import { OUTPUTS } from "./index.js";
import { csvField, renderVerdictsCsv, VERDICT_COLUMNS } from "./verdicts-csv.js";

/**
 * An RFC 4180 reader, written here from the RFC's grammar so the test checks the file against the
 * standard rather than against the writer's own rule: records end in CRLF; a quoted field may hold
 * commas, CR, LF and "" (one double quote); an unquoted one holds none of those.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          if (quote < 0) throw new Error("unterminated quoted field");
          field += text.slice(i, quote);
          i = quote + 1;
          if (text[i] === '"') {
            field += '"';
            i++;
          } else break;
        }
      } else {
        const end = text.slice(i).search(/[,\r\n"]/);
        field = end < 0 ? text.slice(i) : text.slice(i, i + end);
        i += field.length;
        if (text[i] === '"') throw new Error(`a double quote inside an unquoted field at ${i}`);
      }
      record.push(field);
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text.slice(i, i + 2) !== "\r\n") throw new Error(`expected CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 2))}`);
      i += 2;
      break;
    }
    records.push(record);
  }
  return records;
}

describe("verdicts.csv", () => {
  it("is registered as an output, so every run writes it", () => {
    expect(OUTPUTS.map((o) => o.file)).toContain("verdicts.csv");
  });

  it("one row per SLO of every scenario, with the record's values under the header's columns", () => {
    const run = sampleRunRecord();
    const rows = parseCsv(renderVerdictsCsv(run));
    expect(rows[0]).toEqual([...VERDICT_COLUMNS]);
    const slos = run.scenarios.flatMap((s) => s.slos.map((x) => ({ scenario: s, slo: x })));
    expect(slos.length).toBeGreaterThan(0);
    expect(rows).toHaveLength(slos.length + 1);
    slos.forEach(({ scenario, slo: x }, i) => {
      const row = Object.fromEntries(VERDICT_COLUMNS.map((c, j) => [c, rows[i + 1]![j]]));
      expect(row).toEqual({
        scenario: scenario.name,
        variant: scenario.variant ?? "",
        id: x.id,
        metric: x.metric,
        objective: x.objective,
        measured: x.measured === null ? "" : String(x.measured),
        unit: x.unit,
        samples: String(x.samples),
        verdict: x.verdict,
        reason: x.reason,
        source: expect.stringContaining(x.source.document),
      });
      if (x.measured !== null) expect(Number(row.measured)).toBe(x.measured);
    });
  });

  it("text with commas, double quotes, CR, LF and formula-like starts comes back exactly as the record has it", () => {
    const hostile = ['p99, "quoted", and more', "line one\nline two\r\nline three\r", '=HYPERLINK("http://x")', '"', ",", "", "plain"];
    const scenario = {
      ...baseScenario('scenario, "named"', "scenarios/x.yaml", "2025-11-22T03:30:00.000Z", "2025-11-22T03:31:00.000Z"),
      variant: "redis.persistence=none, supervisor=true",
      slos: hostile.map((text, i) =>
        slo({
          id: `s${i}`,
          title: "t",
          metric: "latency.p99",
          objective: "p99 < 25 ms",
          source: { document: 'doc, "v2"', lines: "1-2" },
          measured: i === 0 ? null : 12.345678,
          unit: "ms",
          measuredText: "x",
          samples: 300,
          margin: null,
          marginText: "-",
          verdict: "fail",
          reason: text,
        }),
      ),
    };
    const rows = parseCsv(renderVerdictsCsv(withScenarios(baseRunRecord(), [scenario])));
    expect(rows.slice(1).map((r) => r[9])).toEqual(hostile);
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(VERDICT_COLUMNS.length);
      expect(row[0]).toBe('scenario, "named"');
      expect(row[1]).toBe("redis.persistence=none, supervisor=true");
      expect(row[10]).toBe('doc, "v2", lines 1-2');
    }
    expect(rows[1]![5]).toBe("");
    expect(rows[2]![5]).toBe("12.345678");
  });

  it("a run without scenarios is the header alone", () => {
    expect(renderVerdictsCsv(baseRunRecord())).toBe(`${VERDICT_COLUMNS.join(",")}\r\n`);
  });

  it("quotes a field only when RFC 4180 needs it", () => {
    expect([csvField("a b"), csvField("a,b"), csvField('a"b'), csvField("a\nb"), csvField(null), csvField(0)]).toEqual([
      "a b",
      '"a,b"',
      '"a""b"',
      '"a\nb"',
      "",
      "0",
    ]);
  });
});
