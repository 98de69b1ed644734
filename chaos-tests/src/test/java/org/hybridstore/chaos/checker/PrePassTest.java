package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hybridstore.chaos.checker.LinearizabilityChecker.FailedOps;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.checker.model.NilReads;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;
import org.junit.jupiter.api.Test;

/**
 * The pre-pass proves stale and never-written reads, and stays silent (leaving the verdict to the
 * search) wherever another write could explain the read: unknown outcomes, cas, duplicate values,
 * the initial nil.
 */
class PrePassTest {

  private static final Model<Object> REGISTER = CasRegisterModel.emptyStrict();

  /** Builds a history from (process, type, f, value) quadruples. */
  private static History h(Object... q) {
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < q.length; i += 4) {
      int p = (Integer) q[i];
      String f = (String) q[i + 2];
      Object v = q[i + 3];
      ops.add(
          switch ((String) q[i + 1]) {
            case "invoke" -> Op.invoke(p, f, v);
            case "ok" -> Op.ok(p, f, v);
            case "fail" -> Op.fail(p, f, v);
            default -> Op.info(p, f, v);
          });
    }
    return History.of(ops);
  }

  private static LinearizabilityResult check(Model<?> model, History h) {
    return LinearizabilityChecker.of(model, Options.defaults()).analyze(h);
  }

  private static Validity searchOnly(Model<?> model, History h) {
    return LinearizabilityChecker.of(model, Options.defaults().withPrePass(false))
        .analyze(h)
        .validity();
  }

  /** Asserts the pre-pass proves the history invalid, agreeing with the search alone. */
  private static Counterexample proven(Model<?> model, History h) {
    LinearizabilityResult r = check(model, h);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.counterexample().proof()).as("proven by the pre-pass").isNotNull();
    assertThat(r.cacheEntries()).as("no search ran").isZero();
    assertThat(searchOnly(model, h)).isEqualTo(Validity.INVALID);
    return r.counterexample();
  }

  /** Asserts the pre-pass leaves the history to the search, which finds it valid. */
  private static void notProvenAndValid(Model<?> model, History h) {
    LinearizabilityResult r = check(model, h);
    assertThat(r.validity()).isEqualTo(Validity.VALID);
    assertThat(searchOnly(model, h)).isEqualTo(Validity.VALID);
  }

  @Test
  void staleRead_namesTheReadAndTheOverwritingWrite() {
    // Given write 1, then write 2 completed, then a read of 1
    History h =
        h(
            0, "invoke", "write", 1L, 0, "ok", "write", 1L, 1, "invoke", "write", 2L, 1, "ok",
            "write", 2L, 2, "invoke", "read", null, 2, "ok", "read", 1L);

    // Then the pre-pass blames the read and names the write of 2
    Counterexample ce = proven(REGISTER, h);
    assertThat(ce.op().completion().value()).isEqualTo(1L);
    assertThat(ce.witnesses())
        .singleElement()
        .satisfies(w -> assertThat(w.invocation().value()).isEqualTo(2L));
    assertThat(ce.render())
        .contains("cannot linearize", ":read 1", "wrote 2", "returned before it was invoked");
  }

  @Test
  void staleRead_ofTheInitialNil() {
    // Given a completed write of 1, then a read of nil
    History h =
        h(
            0, "invoke", "write", 1L, 0, "ok", "write", 1L, 1, "invoke", "read", null, 1, "ok",
            "read", null);

    // Then a strict nil read is stale; a lenient one constrains nothing
    proven(REGISTER, h);
    notProvenAndValid(new CasRegisterModel(null, NilReads.LENIENT), h);
  }

  @Test
  void neverWritten_namesTheRead() {
    // Given Knossos' minimal rethink failure: a read of 3 that nobody wrote
    Counterexample ce = proven(REGISTER, ReferenceHistories.row("rethink-fail-minimal.edn").read());

    assertThat(ce.op().completion().value()).isEqualTo(3L);
    assertThat(ce.witnesses()).isEmpty();
    assertThat(ce.render()).contains("cannot linearize", ":read 3", "no operation wrote");
  }

  @Test
  void unknownOutcomeWriteOfTheValueMayExplainTheRead() {
    // Given write 2 that never completes (invoked first), then write 1 completed, then a read of 2
    History pending =
        h(
            0, "invoke", "write", 2L, 1, "invoke", "write", 1L, 1, "ok", "write", 1L, 2, "invoke",
            "read", null, 2, "ok", "read", 2L);
    // and the same with the write of 2 timing out before the read
    History timedOut =
        h(
            0, "invoke", "write", 2L, 1, "invoke", "write", 1L, 1, "ok", "write", 1L, 0, "info",
            "write", 2L, 2, "invoke", "read", null, 2, "ok", "read", 2L);

    // Then the write of 2 may have taken effect late: valid, and the pre-pass must not claim
    // otherwise
    notProvenAndValid(REGISTER, pending);
    notProvenAndValid(REGISTER, timedOut);
  }

  @Test
  void writeThatReturnedBeforeTheOverwriterWasInvokedCannotExplainTheRead() {
    // Given write 2 completed, then write 1 completed, then a read of 2
    History h =
        h(
            0, "invoke", "write", 2L, 0, "ok", "write", 2L, 1, "invoke", "write", 1L, 1, "ok",
            "write", 1L, 2, "invoke", "read", null, 2, "ok", "read", 2L);

    // Then the write of 2 cannot come after the write of 1
    proven(REGISTER, h);
  }

  @Test
  void duplicateValueWrittenConcurrentlyMayExplainTheRead() {
    // Given write 1 done, write 2 done, and a second write of 1 concurrent with the read of 1
    History h =
        h(
            0, "invoke", "write", 1L, 0, "ok", "write", 1L, 1, "invoke", "write", 2L, 1, "ok",
            "write", 2L, 3, "invoke", "write", 1L, 2, "invoke", "read", null, 2, "ok", "read", 1L,
            3, "ok", "write", 1L);

    notProvenAndValid(REGISTER, h);
  }

  @Test
  void casInstallingTheValueMayExplainTheRead_andAStaleCasIsProven() {
    // Given write 1, then a cas 1->3 with unknown outcome, then a read of 3: valid
    History viaCas =
        h(
            0,
            "invoke",
            "write",
            1L,
            0,
            "ok",
            "write",
            1L,
            1,
            "invoke",
            "cas",
            List.of(1L, 3L),
            2,
            "invoke",
            "read",
            null,
            2,
            "ok",
            "read",
            3L);
    // Given write 1, write 2, then an OK cas that expected 1: it read a stale value
    History staleCas =
        h(
            0,
            "invoke",
            "write",
            1L,
            0,
            "ok",
            "write",
            1L,
            1,
            "invoke",
            "write",
            2L,
            1,
            "ok",
            "write",
            2L,
            2,
            "invoke",
            "cas",
            List.of(1L, 3L),
            2,
            "ok",
            "cas",
            List.of(1L, 3L));
    // Given a cas that expected 1 and installed 1 again, after write 2: it cannot explain itself
    History selfCas =
        h(
            0,
            "invoke",
            "write",
            1L,
            0,
            "ok",
            "write",
            1L,
            1,
            "invoke",
            "write",
            2L,
            1,
            "ok",
            "write",
            2L,
            2,
            "invoke",
            "cas",
            List.of(1L, 1L),
            2,
            "ok",
            "cas",
            List.of(1L, 1L));

    notProvenAndValid(REGISTER, viaCas);
    proven(REGISTER, staleCas);
    proven(REGISTER, selfCas);
  }

  @Test
  void failedOperationsAreIgnoredEitherWay() {
    // Given a failed write of 2 between write 1 and a read of 1, and a failed cas
    History h =
        h(
            0,
            "invoke",
            "write",
            1L,
            0,
            "ok",
            "write",
            1L,
            1,
            "invoke",
            "write",
            2L,
            1,
            "fail",
            "write",
            2L,
            3,
            "invoke",
            "cas",
            List.of(5L, 6L),
            3,
            "fail",
            "cas",
            List.of(5L, 6L),
            2,
            "invoke",
            "read",
            null,
            2,
            "ok",
            "read",
            1L);

    // Then it is valid whether failures are dropped or kept as observations
    notProvenAndValid(REGISTER, h);
    Options keep = Options.defaults().withFailedOps(FailedOps.KEEP_AS_OBSERVATION);
    assertThat(LinearizabilityChecker.of(REGISTER, keep).analyze(h).validity())
        .isEqualTo(Validity.VALID);
  }

  private static List<Object> kv(String key, String value) {
    return Arrays.asList(key, value);
  }

  @Test
  void kv_lostAppendIsProven() {
    // Given appends x then y completed, then a get that lacks y
    History h =
        h(
            0,
            "invoke",
            "append",
            kv("k", "x"),
            0,
            "ok",
            "append",
            kv("k", "x"),
            1,
            "invoke",
            "append",
            kv("k", "y"),
            1,
            "ok",
            "append",
            kv("k", "y"),
            2,
            "invoke",
            "get",
            kv("k", null),
            2,
            "ok",
            "get",
            kv("k", "x"));

    Counterexample ce = proven(new KvModel(), h);
    assertThat(ce.partition()).isEqualTo("k");
    assertThat(ce.render()).contains("appended \"y\"", "lacks");
  }

  @Test
  void kv_putMayResetTheValue() {
    // Given append y completed, and a put of "x" concurrent with the get of "x"
    History h =
        h(
            0,
            "invoke",
            "append",
            kv("k", "y"),
            0,
            "ok",
            "append",
            kv("k", "y"),
            1,
            "invoke",
            "put",
            kv("k", "x"),
            2,
            "invoke",
            "get",
            kv("k", null),
            2,
            "ok",
            "get",
            kv("k", "x"),
            1,
            "ok",
            "put",
            kv("k", "x"));

    notProvenAndValid(new KvModel(), h);
  }

  @Test
  void kv_valueNoAppendsCanAssembleIsProven_andUnknownAppendsCount() {
    // Given appends "ab" and "c" (the second with unknown outcome), a get of "abc" is possible
    History possible =
        h(
            0,
            "invoke",
            "append",
            kv("k", "ab"),
            0,
            "ok",
            "append",
            kv("k", "ab"),
            1,
            "invoke",
            "append",
            kv("k", "c"),
            2,
            "invoke",
            "get",
            kv("k", null),
            2,
            "ok",
            "get",
            kv("k", "abc"));
    // but a get of "acb" is not: no order of the appends builds it
    History impossible =
        h(
            0,
            "invoke",
            "append",
            kv("k", "ab"),
            0,
            "ok",
            "append",
            kv("k", "ab"),
            1,
            "invoke",
            "append",
            kv("k", "c"),
            2,
            "invoke",
            "get",
            kv("k", null),
            2,
            "ok",
            "get",
            kv("k", "acb"));

    notProvenAndValid(new KvModel(), possible);
    Counterexample ce = proven(new KvModel(), impossible);
    assertThat(ce.render()).contains("no operation wrote");
  }

  @Test
  void kv_splitAndWholeHistoryProveTheSameKey() {
    // Given key a fine and key b with a lost append
    History h =
        h(
            0,
            "invoke",
            "append",
            kv("a", "x"),
            0,
            "ok",
            "append",
            kv("a", "x"),
            1,
            "invoke",
            "append",
            kv("b", "y"),
            1,
            "ok",
            "append",
            kv("b", "y"),
            2,
            "invoke",
            "get",
            kv("a", null),
            2,
            "ok",
            "get",
            kv("a", "x"),
            2,
            "invoke",
            "get",
            kv("b", null),
            2,
            "ok",
            "get",
            kv("b", ""));

    // Then both ways blame the get on b
    LinearizabilityResult split = check(new KvModel(), h);
    LinearizabilityResult whole =
        LinearizabilityChecker.of(new KvModel(), Options.defaults().withSplitByKey(false))
            .analyze(h);
    assertThat(split.counterexample().proof()).isNotNull();
    assertThat(whole.counterexample().proof()).isNotNull();
    assertThat(split.counterexample().op()).isEqualTo(whole.counterexample().op());
    assertThat(split.counterexample().op().completion().value()).isEqualTo(kv("b", ""));
  }
}
