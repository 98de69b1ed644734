package org.hybridstore.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
  @TempDir Path dir;

  private static Measurement m(String name, int inFlight, double ops, double p99) {
    return new Measurement(
        name, inFlight, ops, p99 / 3, p99, (long) ops * 2, 0, 0, null, 1e6 / ops, 2e6 / ops, 5);
  }

  private static PairResult pair(String key, int inFlight, double... aThenB) {
    List<PairResult.Round> rounds = new java.util.ArrayList<>();
    for (int i = 0; i < aThenB.length; i += 2) {
      rounds.add(
          new PairResult.Round(
              i / 2 + 1, m("a", inFlight, aThenB[i], 200), m("b", inFlight, aThenB[i + 1], 250)));
    }
    return pair(key, inFlight, rounds);
  }

  private static PairResult pair(String key, int inFlight, List<PairResult.Round> rounds) {
    return new PairResult(key, "a side", "b side", inFlight, 3150, rounds);
  }

  static BenchResult result(BenchSettings settings, List<BacklogResult> backlogs) {
    return new BenchResult(
        Instant.parse("2026-12-01T12:00:00Z"),
        "./chaos bench",
        settings,
        new BenchResult.Environment(
            2,
            "17.0.15",
            "etcd Version: 3.4.23",
            List.of(20.5, 18.0, 17.1),
            List.of(22.0, 19.0, 17.5)),
        3150,
        3159,
        pair("strong_over_raw_cas", 64, 600, 300, 600, 480, 600, 1200),
        pair("strong_over_raw_cas_1_in_flight", 1, 100, 95, 100, 90, 100, 80),
        pair("degraded_over_raw_put", 64, 900, 2400, 900, 1800, 900, 2700),
        pair("group_commit_over_single", 64, 600, 1800, 500, 2000, 600, 2400),
        backlogs,
        Duration.ofSeconds(480),
        List.of(9000L, 2500L, 700L));
  }

  private static final List<BacklogResult> BACKLOGS =
      List.of(
          new BacklogResult(
              1000, false, 1000, 1700, 4400, 700, 2500, 2400, 300, 12, 3100, "1000:ab"),
          new BacklogResult(
              10_000, false, 10_000, 1500, 12_000, 800, 2500, 4000, 4000, 60, 4700, "10000:cd"),
          // the second run of the size: etcd back after 600 ms, STRONG 2,900 ms later, equal 3,500
          new BacklogResult(
              10_000, true, 10_000, 1400, 11_000, 600, 2900, 3500, 3000, 20, 2600, "10000:ef"));

  @Test
  void json_hasEveryHeadlineField_asNumbers() {
    // Given a full run's result
    BenchResult r = result(BenchSettings.defaults(), BACKLOGS);

    // When it is turned into JSON
    ObjectNode json = BenchReport.json(r);

    // Then every headline field is a number, with the medians of the rounds and the backlogs' times
    for (String field : BenchReport.HEADLINE_FIELDS) {
      assertThat(json.path(field).isNumber()).as(field + " in " + json).isTrue();
    }
    assertThat(json.path("strong_over_raw_cas").asDouble()).isEqualTo(0.8);
    assertThat(json.path("strong_over_raw_cas_1_in_flight").asDouble()).isEqualTo(0.9);
    assertThat(json.path("degraded_over_raw_put").asDouble()).isEqualTo(2.667);
    assertThat(json.path("group_commit_over_single").asDouble()).isEqualTo(4.0);
    assertThat(json.path("record_bytes").asInt()).isEqualTo(3150);
    assertThat(json.path("etcd_recovery_ms").asLong())
        .as("the largest backlog's recovery")
        .isEqualTo(800);
    assertThat(json.path("backlog_1k_strong_ms").asLong()).isEqualTo(2500);
    assertThat(json.path("backlog_10k_equal_ms").asLong()).isEqualTo(4000);
    assertThat(json.path("pairs")).hasSize(4);
    assertThat(json.path("pairs").get(0).path("rounds")).hasSize(3);
    assertThat(json.path("backlogs").get(1).path("lost_races").asLong()).isEqualTo(60);
    assertThat(json.path("backlogs").get(1).path("cpu_ms").asLong()).isEqualTo(4700);
    assertThat(json.path("backlog_10k_cpu_ms").asLong()).isEqualTo(4700);
    assertThat(json.path("backlog_10k_again_strong_ms").asLong()).isEqualTo(2900);
    assertThat(json.path("backlog_10k_again_cpu_ms").asLong()).isEqualTo(2600);
    assertThat(json.path("backlogs").get(2).path("again").asBoolean()).isTrue();
    assertThat(json.path("backlogs").get(1).path("again").asBoolean()).isFalse();
    assertThat(json.path("machine").path("load_average_before")).hasSize(3);
    assertThat(json.path("quick").asBoolean()).isFalse();
    assertThat(json.path("jit_warmup_compile_ms")).hasSize(3);
    assertThat(json.path("jit_warmup_compile_ms").get(2).asLong()).isEqualTo(700);
    // and each side of each round says its CPU per operation and the JIT's time
    JsonNode b = json.path("pairs").get(0).path("rounds").get(0).path("b");
    assertThat(b.path("cpu_us_per_op").asDouble()).isEqualTo(3333.3);
    assertThat(b.path("etcd_cpu_us_per_op").asDouble()).isEqualTo(6666.7);
    assertThat(b.path("jit_compile_ms").asLong()).isEqualTo(5);
  }

  @Test
  void json_andTable_sayUnknownCpuFiguresAsNullAndQuestionMarks() {
    Measurement unknown =
        new Measurement("u", 64, 100, 1, 2, 200, 0, 0, null, Double.NaN, Double.NaN, -1);
    PairResult p =
        pair("strong_over_raw_cas", 64, List.of(new PairResult.Round(1, unknown, unknown)));
    BenchResult full = result(BenchSettings.defaults(), BACKLOGS);
    BenchResult r =
        new BenchResult(
            full.date(),
            full.command(),
            full.settings(),
            full.environment(),
            full.recordBytes(),
            full.payloadBytes(),
            p,
            full.strongSingle(),
            full.degraded(),
            full.groupCommit(),
            full.backlogs(),
            full.elapsed(),
            List.of());

    // a round that could not read a figure is left out of its median, not sorted in as NaN
    PairResult mixed = pair("strong_over_raw_cas", 64, 600, 100, 600, 300, 600, 500);
    PairResult withUnknown =
        pair(
            "strong_over_raw_cas",
            64,
            List.of(
                new PairResult.Round(1, unknown, unknown),
                mixed.rounds().get(0),
                mixed.rounds().get(1)));
    assertThat(withUnknown.median(x -> x.b().cpuMicrosPerOp())).isEqualTo((1e4 + 1e6 / 300) / 2);
    assertThat(p.median(x -> x.b().cpuMicrosPerOp())).isNaN();

    JsonNode side = BenchReport.json(r).path("pairs").get(0).path("rounds").get(0).path("a");
    assertThat(side.path("cpu_us_per_op").isNull()).isTrue();
    assertThat(side.path("etcd_cpu_us_per_op").isNull()).isTrue();
    assertThat(side.path("jit_compile_ms").isNull()).isTrue();
    assertThat(BenchReport.table(r))
        .contains("| a side | 64 | 100 | 100 | 1.0 | 2.0 | 0 / 0 | ? | ? | ? |");
  }

  @Test
  void targets_areCheckedAgainstTheSameRun() {
    // Given a run whose 10k backlog took 2,500 ms to STRONG and 4,000 ms to equal, with etcd back
    // after 800 ms
    BenchResult r = result(BenchSettings.defaults(), BACKLOGS);

    // When the targets are checked
    List<BenchReport.Target> t = BenchReport.targets(r);

    // Then the bounds are etcd's recovery in that run plus 2 s and 3 s
    assertThat(t)
        .extracting(BenchReport.Target::figure, BenchReport.Target::met)
        .contains(
            org.assertj.core.groups.Tuple.tuple("strong_over_raw_cas", false),
            org.assertj.core.groups.Tuple.tuple("strong_over_raw_cas_1_in_flight", true),
            org.assertj.core.groups.Tuple.tuple("degraded_over_raw_put", true),
            org.assertj.core.groups.Tuple.tuple("group_commit_over_single", false),
            org.assertj.core.groups.Tuple.tuple("record_bytes", true),
            org.assertj.core.groups.Tuple.tuple("strong_p99_ms", false),
            org.assertj.core.groups.Tuple.tuple("backlog_10k_strong_ms", true),
            org.assertj.core.groups.Tuple.tuple("backlog_10k_equal_ms", false),
            // the second run against its own recovery: 2,900 > 600 + 2,000; 3,500 <= 600 + 3,000
            org.assertj.core.groups.Tuple.tuple("backlog_10k_again_strong_ms", false),
            org.assertj.core.groups.Tuple.tuple("backlog_10k_again_equal_ms", true));
    assertThat(
            t.stream()
                .filter(x -> x.figure().equals("backlog_10k_equal_ms"))
                .findFirst()
                .orElseThrow()
                .target())
        .contains("3,800");
  }

  @Test
  void table_listsEveryFigure_andMarksAQuickRun() {
    BenchResult r = result(BenchSettings.quickDefaults(), BACKLOGS);

    String table = BenchReport.table(r);

    assertThat(table).startsWith("QUICK SMOKE RUN (not a measurement)");
    assertThat(table).contains(", after 3 JIT warm-up turn(s) (compile ms 9000 / 2500 / 700);");
    for (String figure :
        List.of(
            "strong_over_raw_cas",
            "strong_p99_ms",
            "strong_over_raw_cas_1_in_flight",
            "degraded_over_raw_put",
            "group_commit_over_single",
            "record_bytes",
            "backlog_1k_strong_ms",
            "backlog_1k_equal_ms",
            "backlog_10k_strong_ms",
            "backlog_10k_equal_ms",
            "backlog_10k_etcd_recovery_ms",
            "backlog_10k_cpu_ms",
            "backlog_10k_again_strong_ms",
            "backlog_10k_again_cpu_ms")) {
      assertThat(table).contains("| " + figure + " ");
    }
    assertThat(table)
        .contains("| 0.80 | 0.50 / 0.80 / 2.00 | >= 1.5 | **no** |")
        .contains(
            "| 10,000 | 10,000 | 1,500 ms | 12,000 ms | 800 ms | 2,500 ms | 4,000 ms | 4,000 ms | 60 |")
        .contains(
            "| CPU µs/op, this process (median) | etcd CPU µs/op (median) | JIT ms per round |")
        // STRONG's side: 300, 480 and 1,200 ops/s, so 3,333, 2,083 and 833 µs per operation
        .contains(
            "| b side | 64 | 300 / 480 / 1200 | 480 | 83.3 | 250.0 | 0 / 0 | 2083 | 4167 | 5 / 5 / 5 |");
  }

  @Test
  void json_withoutBacklogs_hasNullsNotNaN() throws Exception {
    // Given a run without a backlog phase and a measurement without samples
    BenchResult r = result(new BenchSettings(1, 0, 1, 1, List.of(), 50, 500, false), List.of());

    // When written as a file
    Path file = dir.resolve("out/bench.json");
    BenchReport.writeJson(r, file);

    // Then it parses, and the missing figures are null
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.path("etcd_recovery_ms").isNull()).isTrue();
    assertThat(json.path("backlog_10k_strong_ms").isNull()).isTrue();
    assertThat(json.path("strong_over_raw_cas").isNumber()).isTrue();
  }

  @Test
  void settings_rejectOutOfRangeValues() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new BenchSettings(0, 1, 1, 64, List.of(), 50, 500, false))
        .hasMessageContaining("seconds");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new BenchSettings(1, 1, 1, 64, List.of(0), 50, 500, false))
        .hasMessageContaining("backlog");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new BenchSettings(1, 1, 1, 64, List.of(), 100, 400, false))
        .hasMessageContaining("5 heartbeats");
  }

  @Test
  void label_namesBacklogSizes() {
    assertThat(BacklogResult.label(1000)).isEqualTo("1k");
    assertThat(BacklogResult.label(10_000)).isEqualTo("10k");
    assertThat(BacklogResult.label(2500)).isEqualTo("2500");
  }
}
