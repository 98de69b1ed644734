package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.LinearizabilityChecker.UnknownOutcomes;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.checker.model.MultiRegisterModel;
import org.hybridstore.chaos.checker.model.MutexModel;
import org.hybridstore.chaos.checker.model.NilReads;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.OpType;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

  private static final Model<Object> REGISTER = CasRegisterModel.emptyStrict();

  /**
   * p0 writes 1 and times out; p1 then reads nil, then 1: the write took effect after its :info.
   */
  private static History lateEffect(boolean withInfo) {
    History h = new History();
    h.append(Op.invoke(0, "write", 1L));
    if (withInfo) {
      h.append(Op.info(0, "write", 1L).withError("timed-out"));
    }
    h.append(Op.invoke(1, "read", null));
    h.append(Op.ok(1, "read", null));
    h.append(Op.invoke(1, "read", null));
    h.append(Op.ok(1, "read", 1L));
    return h;
  }

  private static Validity check(Model<?> model, History h) {
    return LinearizabilityChecker.of(model, Options.defaults()).analyze(h).validity();
  }

  @Test
  void check_unknownOutcomeStaysOpen() {
    // Given a timed-out write observed only after its :info line
    History h = lateEffect(true);

    // Then it is linearizable when the write stays open, and not when it is closed at its :info
    assertThat(check(REGISTER, h)).isEqualTo(Validity.VALID);
    Options closed = Options.defaults().withUnknownOutcomes(UnknownOutcomes.CLOSE_AT_COMPLETION);
    assertThat(new LinearizabilityChecker<>(REGISTER, closed).analyze(h).validity())
        .isEqualTo(Validity.INVALID);
  }

  @Test
  void check_neverCompletedInvocationStaysOpen() {
    // Given a write that never completes, observed later
    History h = lateEffect(false);

    // Then it may take effect at any later point
    assertThat(check(REGISTER, h)).isEqualTo(Validity.VALID);
  }

  @Test
  void check_unknownOutcomeMayNeverTakeEffect() {
    // Given a timed-out cas whose expected value never matched, and a later read of nil
    History h =
        History.of(
            List.of(
                Op.invoke(0, "cas", List.of(5L, 6L)),
                Op.info(0, "cas", List.of(5L, 6L)),
                Op.invoke(1, "read", null),
                Op.ok(1, "read", null)));

    // Then it is linearizable: the cas simply did not happen
    assertThat(check(REGISTER, h)).isEqualTo(Validity.VALID);
  }

  @Test
  void check_failedOpsAreDropped() {
    // Given a failed write of 1 and a later read of 1
    History h =
        History.of(
            List.of(
                Op.invoke(0, "write", 1L),
                Op.fail(0, "write", 1L),
                Op.invoke(1, "read", null),
                Op.ok(1, "read", 1L)));

    // Then nothing could have written 1
    assertThat(check(REGISTER, h)).isEqualTo(Validity.INVALID);
  }

  @Test
  void check_nilReadStrictOrLenient() {
    // Given a completed write of 1 and a later read of nil
    History h =
        History.of(
            List.of(
                Op.invoke(0, "write", 1L),
                Op.ok(0, "write", 1L),
                Op.invoke(1, "read", null),
                Op.ok(1, "read", null)));

    // Then a strict nil read fails, a lenient one passes
    assertThat(check(REGISTER, h)).isEqualTo(Validity.INVALID);
    assertThat(check(new CasRegisterModel(null, NilReads.LENIENT), h)).isEqualTo(Validity.VALID);
  }

  @Test
  void check_nemesisOpsAreIgnored() {
    // Given a nemesis event between a write and a read
    History h =
        History.of(
            List.of(
                Op.invoke(0, "write", 1L),
                Op.of(Op.NEMESIS, OpType.INFO, "start", "partition"),
                Op.ok(0, "write", 1L),
                Op.invoke(1, "read", null),
                Op.ok(1, "read", 1L)));

    // Then it plays no part
    assertThat(check(REGISTER, h)).isEqualTo(Validity.VALID);
  }

  @Test
  void check_exhaustedBudgetIsUnknownNeverValid() {
    // Given a hard linearizable history
    History h = ReferenceHistories.row("etcd_002.log").read();

    // When the time or memory budget is tiny
    LinearizabilityResult slow =
        new LinearizabilityChecker<>(
                REGISTER, Options.defaults().withBudget(new Budget(Duration.ofNanos(1), 1_000_000)))
            .analyze(h);
    LinearizabilityResult small =
        new LinearizabilityChecker<>(
                REGISTER, Options.defaults().withBudget(new Budget(Duration.ofSeconds(60), 100)))
            .analyze(h);

    // Then the verdict is unknown, with a reason
    assertThat(slow.validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(slow.unknownReason()).contains("time limit");
    assertThat(small.validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(small.unknownReason()).contains("memory budget");
  }

  @Test
  void check_counterexampleNamesTheOpAndPossibleStates() {
    // Given Knossos' minimal rethink failure: value 0, then concurrently write 4 and read 3
    History h = ReferenceHistories.row("rethink-fail-minimal.edn").read();

    // When checked by the search alone (the pre-pass would prove it at once: see PrePassTest)
    LinearizabilityResult r =
        new LinearizabilityChecker<>(REGISTER, Options.defaults().withPrePass(false)).analyze(h);

    // Then the counterexample blames the read of 3 and lists 0 and 4 as possible values
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    Counterexample ce = r.counterexample();
    assertThat(ce.op().completion().value()).isEqualTo(3L);
    assertThat(ce.possibleStates()).containsAnyOf("0", "4");
    assertThat(ce.concurrent()).anyMatch(o -> o.invocation().f().equals("write"));
    assertThat(ce.render()).contains("cannot linearize", ":read 3", "possible states");
  }

  @Test
  void check_modelRejectingAnOpIsAnError() {
    // Given an op the register does not know
    History h = History.of(List.of(Op.invoke(0, "increment", 1L), Op.ok(0, "increment", 1L)));

    // Then analyze reports it, and the Checker view turns it into unknown via check-safe
    assertThatThrownBy(() -> check(REGISTER, h)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Checkers.checkSafe(new LinearizabilityChecker<>(REGISTER), h).validity())
        .isEqualTo(Validity.UNKNOWN);
  }

  @Test
  void check_mutexModel() {
    // Given two overlapping-free acquires without a release, and a proper acquire/release/acquire
    History twice =
        History.of(
            List.of(
                Op.invoke(0, "acquire", null),
                Op.ok(0, "acquire", null),
                Op.invoke(1, "acquire", null),
                Op.ok(1, "acquire", null)));
    History proper =
        History.of(
            List.of(
                Op.invoke(0, "acquire", null),
                Op.ok(0, "acquire", null),
                Op.invoke(0, "release", null),
                Op.ok(0, "release", null),
                Op.invoke(1, "acquire", null),
                Op.ok(1, "acquire", null)));

    // Then only the first is a violation
    assertThat(check(new MutexModel(), twice)).isEqualTo(Validity.INVALID);
    assertThat(check(new MutexModel(), proper)).isEqualTo(Validity.VALID);
  }

  @Test
  void check_multiRegisterModel() {
    // Given a transaction writing x=1,y=2 followed by reads of both
    List<List<Object>> write = List.of(List.of("w", "x", 1L), List.of("w", "y", 2L));
    History good =
        History.of(
            List.of(
                Op.invoke(0, "txn", write),
                Op.ok(0, "txn", write),
                Op.invoke(
                    1,
                    "txn",
                    List.of(Arrays.asList("r", "x", null), Arrays.asList("r", "y", null))),
                Op.ok(1, "txn", List.of(List.of("r", "x", 1L), List.of("r", "y", 2L)))));
    History torn =
        History.of(
            List.of(
                Op.invoke(0, "txn", write),
                Op.ok(0, "txn", write),
                Op.invoke(
                    1,
                    "txn",
                    List.of(Arrays.asList("r", "x", null), Arrays.asList("r", "y", null))),
                Op.ok(1, "txn", List.of(List.of("r", "x", 1L), List.of("r", "y", 7L)))));

    // Then a torn read is a violation
    assertThat(check(new MultiRegisterModel(NilReads.STRICT), good)).isEqualTo(Validity.VALID);
    assertThat(check(new MultiRegisterModel(NilReads.STRICT), torn)).isEqualTo(Validity.INVALID);
  }

  @Test
  void check_kvModelSplitsByKey() {
    // Given appends on two keys and a get that misses an acknowledged append
    History h =
        History.of(
            List.of(
                Op.invoke(0, "append", List.of("a", "x")),
                Op.ok(0, "append", List.of("a", "x")),
                Op.invoke(1, "append", List.of("b", "y")),
                Op.ok(1, "append", List.of("b", "y")),
                Op.invoke(2, "get", List.of("a", "")),
                Op.ok(2, "get", List.of("a", "")),
                Op.invoke(2, "get", List.of("b", "")),
                Op.ok(2, "get", List.of("b", "y"))));

    // When checked
    LinearizabilityResult r = new LinearizabilityChecker<>(new KvModel()).analyze(h);

    // Then the history is split in two keys and key "a" is blamed
    assertThat(r.partitions()).isEqualTo(2);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.counterexample().partition()).isEqualTo("a");
  }
}
