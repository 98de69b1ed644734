package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.ReferenceHistories.Row;
import org.hybridstore.chaos.checker.model.KvModel;
import org.junit.jupiter.api.Test;

/** Checking a kv history key by key gives the same verdict as checking it whole. */
class SplitByKeyTest {

  @Test
  void check_splitAndWholeHistoryAgreeOnKvHistories() {
    // Given the kv histories, good and bad
    List<Row> kv = ReferenceHistories.rows().stream().filter(r -> r.model().equals("kv")).toList();
    Options split = Options.defaults().withBudget(Budget.ofTime(Duration.ofSeconds(10)));
    Options whole = split.withSplitByKey(false).withBudget(Budget.ofTime(Duration.ofSeconds(10)));
    List<String> compared = new ArrayList<>();

    for (Row row : kv) {
      // When checking split and whole
      LinearizabilityResult s =
          new LinearizabilityChecker<>(new KvModel(), split).analyze(row.read());
      LinearizabilityResult w =
          new LinearizabilityChecker<>(new KvModel(), whole).analyze(row.read());

      // Then the split check used several partitions, the whole one a single one, and they agree
      assertThat(s.partitions()).as(row.path()).isGreaterThan(1);
      assertThat(w.partitions()).as(row.path()).isEqualTo(1);
      if (w.validity() != Validity.UNKNOWN) {
        assertThat(w.validity()).as(row.path()).isEqualTo(s.validity());
        compared.add(row.name() + (row.linearizable() ? "" : "(bad)"));
      }
    }
    assertThat(compared).hasSizeGreaterThanOrEqualTo(3).anyMatch(n -> n.endsWith("(bad)"));
  }
}
