package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.cli.ChaosCli;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryReaders;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.OpType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The checker never says VALID when it saw too little or ran out of budget, and its verdict does
 * not depend on how the partitions were scheduled.
 */
class CheckerHonestyTest {

  @TempDir Path dir;

  private static LinearizabilityResult check(History h) {
    return new LinearizabilityChecker<>(CasRegisterModel.emptyStrict()).analyze(h);
  }

  @Test
  void emptyHistoryIsUnknown() {
    // Given no events, or only nemesis events
    History empty = new History();
    History nemesisOnly =
        History.of(
            List.of(
                Op.of(Op.NEMESIS, OpType.INFO, "start", "partition"),
                Op.of(Op.NEMESIS, OpType.INFO, "stop", "partition")));

    // Then there is nothing to judge
    for (History h : List.of(empty, nemesisOnly)) {
      LinearizabilityResult r = check(h);
      assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
      assertThat(r.unknownReason()).isEqualTo("no operation to check");
    }
  }

  @Test
  void onlyUnknownOutcomesIsUnknown() {
    // Given a write that timed out and one that never completed
    History h =
        History.of(
            List.of(
                Op.invoke(0, "write", 1L),
                Op.info(0, "write", 1L).withError("timed-out"),
                Op.invoke(1, "write", 2L),
                Op.invoke(2, "read", null)));

    // Then nothing was observed
    LinearizabilityResult r = check(h);
    assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(r.unknownReason()).startsWith("no completed operation to check");
  }

  @Test
  void onlyFailedOperationsIsJudged() {
    // Given operations that all failed (Knossos' mongodb-v0-ack-rollback-9 is one): they are
    // observations
    History h =
        History.of(
            List.of(
                Op.invoke(0, "write", 1L),
                Op.fail(0, "write", 1L),
                Op.invoke(1, "read", null),
                Op.fail(1, "read", null)));

    // Then the history is judged, valid as Knossos says
    assertThat(check(h).validity()).isEqualTo(Validity.VALID);
    assertThat(check(ReferenceHistories.row("mongodb-v0-ack-rollback-9.edn").read()).validity())
        .isEqualTo(Validity.VALID);
  }

  @Test
  void emptyEtcdLogIsUnknownOnTheCommandLine() throws IOException {
    // Given Porcupine's etcd_095.log, which is empty (its cluster failed to start)
    Path log = dir.resolve("etcd_095.log");
    Files.writeString(log, "");
    StringWriter out = new StringWriter();
    CommandLine cli = ChaosCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));

    // When checked
    int code = cli.execute("check", log.toString());

    // Then it is unknown, with the reason, and the exit code says so
    assertThat(HistoryReaders.read(log).size()).isZero();
    assertThat(code).isEqualTo(2);
    assertThat(out.toString())
        .containsPattern("etcd_095\\.log unknown \\d+")
        .contains("no operation to check")
        .contains("1 unknown");
  }

  /**
   * Key "hard" holds the hard etcd_002 register history as puts and gets; the other keys are easy.
   */
  private static History hardKeyAmongEasyOnes(boolean withInvalidKey) {
    List<Op> ops = new ArrayList<>();
    for (Op op : ReferenceHistories.row("etcd_002.log").read().ops()) {
      String f =
          switch (op.f()) {
            case "read" -> "get";
            case "write" -> "put";
            default -> null;
          };
      if (f == null) {
        // A cas has no kv counterpart: keep it as an unknown-outcome put of its new value.
        if (op.type() == OpType.INVOKE) {
          ops.add(
              Op.invoke(
                  op.process(),
                  "put",
                  Arrays.asList("hard", String.valueOf(((List<?>) op.value()).get(1)))));
        }
        continue;
      }
      Object v = op.value() == null ? "" : String.valueOf(op.value());
      ops.add(
          Op.of(
              op.process(),
              op.type(),
              f,
              Arrays.asList("hard", op.type() == OpType.INVOKE && f.equals("get") ? null : v)));
    }
    int p = 1000;
    for (int k = 0; k < 5; k++) {
      String key = "easy" + k;
      ops.add(Op.invoke(p, "append", Arrays.asList(key, "x")));
      ops.add(Op.ok(p, "append", Arrays.asList(key, "x")));
      ops.add(Op.invoke(p, "get", Arrays.asList(key, null)));
      ops.add(Op.ok(p, "get", Arrays.asList(key, withInvalidKey && k == 3 ? "" : "x")));
    }
    return History.of(ops);
  }

  @Test
  void budgetOverrunOnOneKeyIsUnknownNeverValid() {
    // Given one hard key among easy ones, and a memory budget the hard key exceeds
    History h = hardKeyAmongEasyOnes(false);
    Options tight = Options.defaults().withBudget(new Budget(Duration.ofSeconds(60), 50));

    for (int threads : new int[] {1, 2}) {
      // When checked with one or two threads
      LinearizabilityResult r =
          LinearizabilityChecker.of(new KvModel(), tight.withParallelism(threads)).analyze(h);

      // Then the verdict is unknown, naming the key, although every other key is valid
      assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
      assertThat(r.unknownReason()).contains("memory budget").contains("key hard");
    }
  }

  @Test
  void cheapKeysFirstAndEarlyStop() {
    // Given one hard key and, among the easy ones, an invalid one that only the search finds
    History h = hardKeyAmongEasyOnes(true);
    Options searchOnly = Options.defaults().withPrePass(false).withParallelism(1);

    // When checked on one thread
    LinearizabilityResult r = LinearizabilityChecker.of(new KvModel(), searchOnly).analyze(h);

    // Then the small invalid key is searched before the hard one, which never starts
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.counterexample().partition()).isEqualTo("easy3");
    assertThat(r.cacheEntries()).as("configurations memoised").isLessThan(20);
  }

  @Test
  void invalidKeyBehindAHardOneIsFoundBeforeTheHardOneRunsLong() {
    // Given the hard key and, searched after it because it has more operations, a key whose first
    // get misses the append before it (only the search finds it: the pre-pass is off)
    List<Op> ops = new ArrayList<>(hardKeyAmongEasyOnes(false).ops());
    int p = 2000;
    for (int i = 0; i < 200; i++) {
      String before = "x".repeat(i);
      ops.add(Op.invoke(p, "append", Arrays.asList("long", "x")));
      ops.add(Op.ok(p, "append", Arrays.asList("long", "x")));
      ops.add(Op.invoke(p, "get", Arrays.asList("long", null)));
      ops.add(Op.ok(p, "get", Arrays.asList("long", i == 0 ? "" : before + "x")));
    }
    Options searchOnly = Options.defaults().withPrePass(false).withParallelism(1);

    // When checked on one thread
    LinearizabilityResult r =
        LinearizabilityChecker.of(new KvModel(), searchOnly).analyze(History.of(ops));

    // Then the long key is found invalid after the hard key's first short turn: far fewer
    // configurations memoised than one long turn of the hard key takes (some thousands)
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.counterexample().partition()).isEqualTo("long");
    assertThat(r.cacheEntries()).as("configurations memoised").isLessThan(600);
  }

  @Test
  void verdictDoesNotDependOnScheduling() {
    // Given the generated 50-client histories (two invalid keys in each bad one) and Porcupine's kv
    // files
    List<History> histories = new ArrayList<>();
    for (String name : KvHistoryGenerator.COMMITTED) {
      histories.add(GeneratedKvHistoriesTest.read(name));
    }
    for (ReferenceHistories.Row row : ReferenceHistories.rows()) {
      if (row.model().equals("kv")) {
        histories.add(row.read());
      }
    }
    for (History h : histories) {
      // When checked on one thread, then repeatedly on two, with and without the pre-pass
      for (boolean prePass : new boolean[] {true, false}) {
        Options o = Options.defaults().withPrePass(prePass);
        Validity sequential =
            LinearizabilityChecker.of(new KvModel(), o.withParallelism(1)).analyze(h).validity();
        for (int i = 0; i < 3; i++) {
          // Then the verdict is the same every time
          assertThat(
                  LinearizabilityChecker.of(new KvModel(), o.withParallelism(2))
                      .analyze(h)
                      .validity())
              .isEqualTo(sequential);
        }
      }
    }
  }
}
