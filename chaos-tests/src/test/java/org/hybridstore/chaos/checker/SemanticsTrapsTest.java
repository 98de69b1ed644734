package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.hybridstore.chaos.checker.LinearizabilityChecker.FailedOps;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.LinearizabilityChecker.UnknownOutcomes;
import org.hybridstore.chaos.checker.ReferenceHistories.Row;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.checker.model.NilReads;
import org.junit.jupiter.api.Test;

/**
 * The semantic traps of the reference set's README: each wrong choice gives wrong verdicts on named
 * files, which proves the default semantics are needed (the golden test shows they suffice).
 */
class SemanticsTrapsTest {

  private static final Options BASE =
      Options.defaults().withBudget(Budget.ofTime(Duration.ofSeconds(20)));
  private static final Model<Object> EMPTY_STRICT = new CasRegisterModel(null, NilReads.STRICT);

  @Test
  void check_closingUnknownOutcomesAtInfoFlagsGoodEtcdLogs() {
    // Given the linearizable etcd logs, When unknown outcomes must take effect (or not) before
    // their :info line
    List<String> wrong =
        wronglyJudged(
            etcd(), EMPTY_STRICT, BASE.withUnknownOutcomes(UnknownOutcomes.CLOSE_AT_COMPLETION));

    // Then most of them are wrongly flagged
    assertThat(wrong).contains("etcd_002.log", "etcd_005.log", "etcd_007.log", "etcd_018.log");
    long good = etcd().stream().filter(Row::linearizable).count();
    assertThat((long) wrong.size()).isGreaterThan(good / 2);
  }

  @Test
  void check_droppingUnknownOutcomesFlagsGoodEtcdLogs() {
    // Given the linearizable etcd logs, When ops with unknown outcome are dropped
    List<String> wrong =
        wronglyJudged(etcd(), EMPTY_STRICT, BASE.withUnknownOutcomes(UnknownOutcomes.DROP));

    // Then most of them are wrongly flagged
    assertThat(wrong).contains("etcd_002.log", "etcd_031.log", "etcd_045.log");
    assertThat(wrong).hasSizeGreaterThan(5);
  }

  @Test
  void check_unknownOutcomeStaysOpen() {
    // Given the same logs with unknown outcomes open to the end of the history
    List<String> wrong = wronglyJudged(etcd(), EMPTY_STRICT, BASE);

    // Then every verdict is right
    assertThat(wrong).isEmpty();
  }

  @Test
  void check_startingAtZeroWithStrictNilReadsFlagsGoodKnossosFiles() {
    // Given the Knossos files, When the register starts at 0 but nil reads are strict
    List<String> wrong = wronglyJudged(knossos(), new CasRegisterModel(0L, NilReads.STRICT), BASE);

    // Then most good files are wrongly flagged
    assertThat(wrong)
        .contains("memstress3-1.edn", "memstress3-99.edn", "mongodb-v0-ack-rollback-2.edn");
    assertThat(wrong).hasSizeGreaterThan(knossos().size() / 2);
  }

  @Test
  void check_knossosSemanticsZeroWithLenientNilReadsAgree() {
    // Given the Knossos files, When the register starts at 0 and nil reads are wildcards (Knossos)
    List<String> wrong = wronglyJudged(knossos(), new CasRegisterModel(0L, NilReads.LENIENT), BASE);

    // Then every verdict is right
    assertThat(wrong).isEmpty();
  }

  @Test
  void check_keepingFailedOpsFlagsMongoRollbackFiles() {
    // Given the Knossos files, When failed cas ops are kept as observations
    List<String> wrong =
        wronglyJudged(knossos(), EMPTY_STRICT, BASE.withFailedOps(FailedOps.KEEP_AS_OBSERVATION));

    // Then the mongodb rollback files are wrongly flagged
    assertThat(wrong)
        .contains(
            "mongodb-v0-ack-rollback-0.edn",
            "mongodb-v0-ack-rollback-2.edn",
            "mongodb-v0-ack-rollback-4.edn");
  }

  @Test
  void check_keepingFailedOpsChangesNoEtcdVerdict() {
    // Given the etcd logs, When failed cas ops are kept as observations (Porcupine's model)
    List<String> wrong =
        wronglyJudged(etcd(), EMPTY_STRICT, BASE.withFailedOps(FailedOps.KEEP_AS_OBSERVATION));

    // Then the verdicts are the same as with dropping them
    assertThat(wrong).isEmpty();
  }

  private static List<Row> etcd() {
    return select(r -> r.path().startsWith("etcd-jepsen/"));
  }

  private static List<Row> knossos() {
    return select(r -> r.path().startsWith("knossos/"));
  }

  private static List<Row> select(Predicate<Row> p) {
    return ReferenceHistories.rows().stream().filter(p).toList();
  }

  /** Names of the files whose verdict under the given semantics differs from the published one. */
  private static List<String> wronglyJudged(List<Row> rows, Model<Object> model, Options options) {
    LinearizabilityChecker<Object> checker = new LinearizabilityChecker<>(model, options);
    return rows.stream()
        .filter(
            r -> {
              Validity v = checker.analyze(r.read()).validity();
              return v != (r.linearizable() ? Validity.VALID : Validity.INVALID);
            })
        .map(Row::name)
        .toList();
  }
}
