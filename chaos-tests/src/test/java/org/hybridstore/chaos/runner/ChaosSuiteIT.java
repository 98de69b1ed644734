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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite tested on itself: a short run of the real system under a quorum-loss fault is valid,
 * and the same run against a deliberately broken build (reconciliation disabled) is caught as
 * invalid, with the lost writes named. Runs on network namespaces as root, else on loopback.
 */
@Timeout(value = 8, unit = MINUTES)
class ChaosSuiteIT {
  @TempDir
  Path out;

  private static RunConfig config(Path out, boolean broken) {
    return new RunConfig(3, 25, List.of("kill-etcd-majority"), 40, 6, 6, 4, 3, 50, 500, 7, out, broken, false, !broken);
  }

  private static RunResult run(RunConfig c) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      RunResult r = ChaosRun.run(c, ps);
      System.out.print(buf.toString(StandardCharsets.UTF_8));
      return r;
    }
  }

  @Test
  void run_ofTheRealSystem_isValid_andWritesItsOutputs() throws Exception {
    RunResult r = run(config(out, false));
    assertThat(r.check().validity()).as("verdict; see %s", r.dir()).isEqualTo(Validity.VALID);
    for (String f : List.of("history.jsonl", "history.edn", "results.json", "report.html")) {
      assertThat(r.dir().resolve(f)).isNotEmptyFile();
    }
    assertThat(Files.readString(r.dir().resolve("report.html"))).contains("<svg").contains("kill").contains("/dashboard?nodes=");
    @SuppressWarnings("unchecked")
    Map<String, Object> overall = (Map<String, Object>) r.figures().get("overall");
    assertThat((Long) overall.get("ackProvisional")).as("the fault made nodes degrade").isPositive();
    assertThat(overall.get("acknowledgedPercent")).isEqualTo(100.0);
  }

  @Test
  void run_ofABrokenBuild_isInvalid_andShowsTheLostWrites() throws Exception {
    RunResult r = run(config(out, true));
    assertThat(r.check().validity()).isEqualTo(Validity.INVALID);
    CheckResult noLost = (CheckResult) r.check().details().get("no-lost");
    assertThat(noLost.validity()).isEqualTo(Validity.INVALID);
    assertThat(String.valueOf(noLost.details())).contains("lost");
  }
}
