package org.hybridstore.chaos.runner;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.mutants.ChaosMutant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite tested on itself: a short run of the real system under quorum loss and a node killed
 * while cut off is valid, with every check judging something; two deliberately broken builds (the
 * CI subset of {@code ./chaos mutants}) are caught, each by the check expected to catch it.
 */
@Timeout(value = 12, unit = MINUTES)
class ChaosSuiteIT {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its logs, history and results
  Path out;

  private static RunResult run(RunConfig c) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      RunResult r = ChaosRun.run(c, ps);
      System.out.print(buf.toString(StandardCharsets.UTF_8));
      return r;
    }
  }

  @Test
  void run_ofTheRealSystem_isValid_everyCheckJudged_andWritesItsOutputs() throws Exception {
    // 80 s: a node restarted on a loaded two-core machine took up to 42 s from kill to ready, and
    // all three faults must start within the limit (else the faults check is rightly invalid).
    RunResult r =
        run(
            new RunConfig(
                3,
                80,
                List.of("kill-node", "kill-etcd-majority", "kill-node-isolated"),
                60,
                6,
                6,
                4,
                3,
                50,
                500,
                7,
                out,
                "",
                false,
                true));
    assertThat(r.check().validity()).as("verdict; see %s", r.dir()).isEqualTo(Validity.VALID);
    r.check()
        .details()
        .forEach(
            (name, res) ->
                assertThat(((CheckResult) res).validity())
                    .as("check %s: %s", name, res)
                    .isEqualTo(Validity.VALID));
    for (String f : List.of("history.jsonl", "history.edn", "results.json", "report.html")) {
      assertThat(r.dir().resolve(f)).isNotEmptyFile();
    }
    assertThat(Files.readString(r.dir().resolve("report.html")))
        .contains("<svg")
        .contains("kill")
        .contains("/dashboard?nodes=");
    @SuppressWarnings("unchecked")
    Map<String, Object> overall = (Map<String, Object>) r.figures().get("overall");
    assertThat((Long) overall.get("ackProvisional"))
        .as("the faults made nodes degrade")
        .isPositive();
    // etcd was compacted while the killed node was down, and its change feed re-read after it
    Map<String, Object> feed = ((CheckResult) r.check().details().get("change-feed")).details();
    assertThat((List<?>) feed.get("compacted-at")).as("compactions").isNotEmpty();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> feedNodes =
        (Map<String, Map<String, Object>>) feed.get("nodes");
    assertThat(feedNodes.values())
        .as("a feed re-read after the compaction")
        .anyMatch(n -> (Long) n.get("resyncs") > 0);
  }

  @Test
  void mutants_ciSubset_areCaughtByTheExpectedChecks() throws Exception {
    for (String name : List.of("skip-reconcile", "ack-before-commit", "confirm-too-early")) {
      ChaosMutant m =
          MutantRuns.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
      MutantRuns.Outcome o = MutantRuns.run(m, out, 7, false, System.out);
      System.out.println(o.line());
      assertThat(o.caughtAsExpected()).as(o.line()).isTrue();
    }
  }
}
