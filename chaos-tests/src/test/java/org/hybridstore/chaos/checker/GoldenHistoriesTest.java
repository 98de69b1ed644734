package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.hybridstore.chaos.checker.ReferenceHistories.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every reference history gets the verdict Knossos and Porcupine reach (verdicts.csv). */
class GoldenHistoriesTest {

  static List<Row> rows() {
    return ReferenceHistories.rows();
  }

  @Test
  void verdicts_coverEveryReferenceFile() {
    // Given the csv, When counting its rows, Then all 115 files of the set are listed.
    assertThat(rows()).hasSize(115);
    assertThat(rows()).filteredOn(Row::linearizable).hasSize(69);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void check_referenceHistoryGetsExpectedVerdict(Row row) {
    // Given a reference history and the model the csv names (empty register, strict nil reads)
    LinearizabilityChecker.Options options =
        LinearizabilityChecker.Options.defaults().withBudget(Budget.ofTime(Duration.ofSeconds(30)));

    // When checking it with the default semantics
    LinearizabilityResult result =
        LinearizabilityChecker.of(row.referenceModel(), options).analyze(row.read());

    // Then the verdict is the published one, never unknown
    assertThat(result.validity())
        .as(row.path() + " " + result.unknownReason())
        .isEqualTo(row.linearizable() ? Validity.VALID : Validity.INVALID);
    if (!row.linearizable()) {
      assertThat(result.counterexample()).isNotNull();
    }
  }
}
