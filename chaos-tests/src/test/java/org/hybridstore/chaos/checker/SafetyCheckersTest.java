package org.hybridstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;
import org.junit.jupiter.api.Test;

class SafetyCheckersTest {

  /** Appends an op with a time in milliseconds and a node. */
  private static void at(History h, long millis, String node, Op op) {
    h.append(op.withTime(millis * 1_000_000).withNodeAndMode(node, null));
  }

  private static void add(History h, long t, int p, Object element, boolean ok) {
    at(h, t, null, Op.invoke(p, "add", element));
    at(h, t + 1, null, ok ? Op.ok(p, "add", element) : Op.info(p, "add", element));
  }

  private static void read(History h, long t, int p, String node, Object value) {
    at(h, t, node, Op.invoke(p, "read", null));
    at(h, t + 1, node, Op.ok(p, "read", value));
  }

  @Test
  void noLostAckedWrites_stableElementsWithLatency() {
    // Given two acknowledged adds; 2 shows up one read late
    History h = new History();
    add(h, 0, 0, 1L, true);
    add(h, 10, 0, 2L, true);
    read(h, 20, 1, "n1", List.of(1L));
    read(h, 40, 1, "n1", List.of(1L, 2L));
    read(h, 60, 1, "n1", List.of(1L, 2L));

    // When checked
    CheckResult r = new NoLostAckedWritesChecker().check(h);

    // Then nothing is lost, 2 was stale, and its stable latency is 40 - 10 = 30 ms
    assertThat(r.validity()).isEqualTo(Validity.VALID);
    assertThat(r.details())
        .containsEntry("stable-count", 2)
        .containsEntry("lost-count", 0)
        .containsEntry("stale-count", 1);
    @SuppressWarnings("unchecked")
    Map<String, Double> latency = (Map<String, Double>) r.details().get("stable-latency-ms");
    assertThat(latency).containsEntry("1", 30.0).containsEntry("0", 20.0);
  }

  @Test
  void noLostAckedWrites_finalReadLackingAnAckedElementIsLost() {
    // Given an acknowledged add seen once, then missing from the final read
    History h = new History();
    add(h, 0, 0, 1L, true);
    add(h, 0, 2, 9L, false);
    read(h, 20, 1, "n1", List.of(1L, 9L));
    read(h, 40, 1, "n1", List.of());

    // When checked
    CheckResult r = new NoLostAckedWritesChecker().check(h);

    // Then it is lost on n1; the unacknowledged 9 missing is not
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.details())
        .containsEntry("lost", Map.of("1", List.of("n1")))
        .containsEntry("recovered-count", 1);
  }

  @Test
  void noLostAckedWrites_oneReaderMissingAnElementIsEnough() {
    // Given an acknowledged add that etcd's final read has and node n2's final read lacks
    History h = new History();
    add(h, 0, 0, 1L, true);
    add(h, 0, 0, 2L, true);
    read(h, 20, 1, "etcd", List.of(1L, 2L));
    read(h, 20, 2, "n1", List.of(1L, 2L));
    read(h, 20, 3, "n2", List.of(2L));

    // Then it is lost, naming the reader that lost it
    CheckResult r = new NoLostAckedWritesChecker().check(h);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.details()).containsEntry("lost", Map.of("1", List.of("n2")));
  }

  @Test
  void noLostAckedWrites_nothingAcknowledged_isUnknownNotValid() {
    History h = new History();
    add(h, 0, 0, 1L, false);
    read(h, 20, 1, "n1", List.of());
    CheckResult r = new NoLostAckedWritesChecker().check(h);
    assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(r.details()).containsEntry("why-unknown", "no add was acknowledged");
  }

  @Test
  void noDoubleApplication_aLineBumpedMoreOftenThanItHasDistinctOpIds_isInvalid() {
    // Given two bumps of one line, one resubmitted under its op id, and one that definitely failed
    History h = new History();
    at(h, 0, "n1", Op.invoke(0, "bump", List.of("cart-0", "sku-0", "b1")));
    at(h, 1, "n1", Op.ok(0, "bump", List.of("cart-0", "sku-0", "b1")));
    at(h, 2, "n2", Op.invoke(1, "bump", List.of("cart-0", "sku-0", "b1")));
    at(h, 3, "n2", Op.ok(1, "bump", List.of("cart-0", "sku-0", "b1")));
    at(h, 4, "n1", Op.invoke(0, "bump", List.of("cart-0", "sku-0", "b2")));
    at(h, 5, "n1", Op.fail(0, "bump", List.of("cart-0", "sku-0", "b2")));
    History once = History.of(h.ops());
    History twice = History.of(h.ops());
    finalRead(once, "n1", 2);
    finalRead(twice, "n1", 3);

    // Then quantity 2 (one bump) is fine, quantity 3 means b1 counted twice
    NoDoubleApplicationChecker checker = new NoDoubleApplicationChecker();
    assertThat(checker.check(once).validity()).isEqualTo(Validity.VALID);
    CheckResult r = checker.check(twice);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(String.valueOf(r.details().get("applied-twice")))
        .contains("cart-0/sku-0")
        .contains("n1");
    // And with nothing acknowledged it cannot judge
    assertThat(checker.check(new History()).validity()).isEqualTo(Validity.UNKNOWN);
  }

  private static void finalRead(History h, String node, int qty) {
    Map<String, Object> order =
        Map.of("id", "cart-0", "lines", List.of(Map.of("sku", "sku-0", "qty", qty)));
    at(h, 100, node, Op.invoke(9, "final-read", null));
    at(h, 101, node, Op.ok(9, "final-read", Map.of("cart-0", order)));
  }

  @Test
  void noLostAckedWrites_unexpectedElementIsInvalidAndNoReadsUnknown() {
    History h = new History();
    add(h, 0, 0, 1L, true);
    assertThat(new NoLostAckedWritesChecker().check(h).validity()).isEqualTo(Validity.UNKNOWN);

    read(h, 20, 1, "n1", List.of(1L, 42L));
    CheckResult r = new NoLostAckedWritesChecker().check(h);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.details()).containsEntry("unexpected", List.of(42L));
  }

  @Test
  void noDuplicates_sameIdempotencyKeyTwiceIsInvalid() {
    // Given orders as maps with an idempotency key; one read holds key k1 twice
    Map<String, Object> a = Map.of("id", "o1", "key", "k1");
    Map<String, Object> b = Map.of("id", "o2", "key", "k1");
    Map<String, Object> c = Map.of("id", "o3", "key", "k2");
    History good = new History();
    read(good, 0, 0, "n1", List.of(a, c));
    History bad = new History();
    read(bad, 0, 0, "n1", List.of(a, c));
    read(bad, 10, 0, "n1", List.of(a, b, c));
    NoDuplicatesChecker checker = new NoDuplicatesChecker("read", o -> ((Map<?, ?>) o).get("key"));

    // Then only the second history is flagged, naming k1
    assertThat(checker.check(good).validity()).isEqualTo(Validity.VALID);
    CheckResult r = checker.check(bad);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.details().get("duplicated"))
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsOnlyKeys("k1");
    assertThat(new NoDuplicatesChecker().check(new History()).validity())
        .isEqualTo(Validity.UNKNOWN);
  }

  @Test
  void monotonicStatus_goingBackwardsOnOneNodeIsInvalid() {
    // Given statuses NEW < PAID < SHIPPED, node n1 sees PAID then NEW; n2 lags behind but never
    // goes back
    MonotonicStatusChecker checker =
        new MonotonicStatusChecker(
            MonotonicStatusChecker.byRank(List.of("NEW", "PAID", "SHIPPED")));
    History h = new History();
    read(h, 0, 0, "n1", Map.of("o1", "PAID"));
    read(h, 10, 1, "n2", Map.of("o1", "NEW"));
    read(h, 20, 1, "n2", Map.of("o1", "PAID"));
    History ok = History.of(h.ops());
    read(h, 30, 0, "n1", Map.of("o1", "NEW"));

    // Then only the backwards read on n1 is a violation
    assertThat(checker.check(ok).validity()).isEqualTo(Validity.VALID);
    CheckResult r = checker.check(h);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.details()).containsEntry("violation-count", 1);
  }

  @Test
  void monotonicStatus_concurrentReadsAreNotCompared() {
    // Given two overlapping reads on one node, the one completing first seeing the newer status
    MonotonicStatusChecker checker =
        new MonotonicStatusChecker(MonotonicStatusChecker.byRank(List.of("NEW", "PAID")));
    History h = new History();
    at(h, 0, "n1", Op.invoke(0, "read", null));
    at(h, 1, "n1", Op.invoke(1, "read", null));
    at(h, 2, "n1", Op.ok(1, "read", "PAID"));
    at(h, 3, "n1", Op.ok(0, "read", "NEW"));

    // Then that is allowed (the slower read may have been served first), and since no read
    // followed another, nothing could go backwards: the check cannot judge
    assertThat(checker.check(h).validity()).isEqualTo(Validity.UNKNOWN);
    assertThat(checker.check(h).details()).containsEntry("violation-count", 0);
  }

  @Test
  void replicasConverge_finalReadsPerNode() {
    History same = new History();
    at(same, 0, "n1", Op.invoke(0, "final-read", null));
    at(same, 1, "n1", Op.ok(0, "final-read", List.of(1L, 2L)));
    at(same, 2, "n2", Op.invoke(1, "final-read", null));
    at(same, 3, "n2", Op.ok(1, "final-read", List.of(2L, 1L)));
    History diff = History.of(same.ops());
    at(diff, 4, "n3", Op.invoke(2, "final-read", null));
    at(diff, 5, "n3", Op.ok(2, "final-read", List.of(1L)));

    assertThat(new ReplicasConvergeChecker().check(same).validity()).isEqualTo(Validity.INVALID);
    assertThat(
            new ReplicasConvergeChecker("final-read", ReplicasConvergeChecker.unordered())
                .check(same)
                .validity())
        .isEqualTo(Validity.VALID);
    CheckResult r =
        new ReplicasConvergeChecker("final-read", ReplicasConvergeChecker.unordered()).check(diff);
    assertThat(r.validity()).isEqualTo(Validity.INVALID);
    assertThat(r.details()).containsEntry("distinct-values", 2);
    assertThat(new ReplicasConvergeChecker().check(new History()).validity())
        .isEqualTo(Validity.UNKNOWN);
  }
}
