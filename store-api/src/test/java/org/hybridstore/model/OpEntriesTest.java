package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.OrderLimits;
import org.junit.jupiter.api.Test;

/** The array-backed op-id map answers every read a {@code TreeMap} of the same entries does. */
class OpEntriesTest {

  /** Random sets over a pool twice the retention bound, as the retention tests draw them. */
  private static AppliedOps randomOps(Random random, int size) {
    return AppliedOpsRetentionTest.randomOps(
        random, size, AppliedOpsRetentionTest.pool(OrderLimits.OP_ID_RETENTION * 2));
  }

  @Property(tries = 500)
  void everyRead_isTheTreeMapsOfTheSameEntries(@ForAll long seed) {
    Random random = new Random(seed);
    SortedMap<Long, AppliedOps.Entry> map = randomOps(random, random.nextInt(150)).entries();
    TreeMap<Long, AppliedOps.Entry> tree = new TreeMap<>(map);

    assertThat(map).isEqualTo(tree);
    assertThat(tree).isEqualTo(map);
    assertThat(map.hashCode()).isEqualTo(tree.hashCode());
    assertThat(map.toString()).isEqualTo(tree.toString());
    assertThat(map.size()).isEqualTo(tree.size());
    assertThat(map.isEmpty()).isEqualTo(tree.isEmpty());
    assertThat(new ArrayList<>(map.keySet())).isEqualTo(new ArrayList<>(tree.keySet()));
    assertThat(new ArrayList<>(map.values())).isEqualTo(new ArrayList<>(tree.values()));
    assertThat(map.comparator()).isNull();
    if (!tree.isEmpty()) {
      assertThat(map.firstKey()).isEqualTo(tree.firstKey());
      assertThat(map.lastKey()).isEqualTo(tree.lastKey());
    }

    List<Long> probes = new ArrayList<>(tree.keySet());
    for (int i = 0; i < 20; i++) {
      probes.add(random.nextLong());
    }
    for (Long key : probes) {
      assertThat(map.get(key)).isEqualTo(tree.get(key));
      assertThat(map.containsKey(key)).isEqualTo(tree.containsKey(key));
      assertThat(map.headMap(key)).isEqualTo(tree.headMap(key));
      assertThat(map.tailMap(key)).isEqualTo(tree.tailMap(key));
      Long other = probes.get(random.nextInt(probes.size()));
      Long from = Math.min(key, other);
      Long to = Math.max(key, other);
      SortedMap<Long, AppliedOps.Entry> sub = map.subMap(from, to);
      assertThat(sub).isEqualTo(tree.subMap(from, to));
      assertThat(new ArrayList<>(sub.keySet()))
          .isEqualTo(new ArrayList<>(tree.subMap(from, to).keySet()));
    }
    List<Long> walkedKeys = new ArrayList<>();
    List<AppliedOps.Entry> walkedValues = new ArrayList<>();
    map.forEach(
        (k, v) -> {
          walkedKeys.add(k);
          walkedValues.add(v);
        });
    assertThat(walkedKeys).isEqualTo(new ArrayList<>(tree.keySet()));
    assertThat(walkedValues).isEqualTo(new ArrayList<>(tree.values()));
    List<AppliedOps.Entry> viaValues = new ArrayList<>();
    map.values().forEach(viaValues::add);
    assertThat(viaValues).isEqualTo(new ArrayList<>(tree.values()));
    for (Long key : probes) {
      assertThat(map.keySet().contains(key)).isEqualTo(tree.containsKey(key));
    }
    assertThat(map.get("not a key")).isNull();
    assertThat(map.containsKey("not a key")).isFalse();
  }

  @Property(tries = 300)
  void latestTime_isTheLatestTimeOfAnyEntry(@ForAll long seed) {
    AppliedOps ops = randomOps(new Random(seed), new Random(seed).nextInt(150));
    HybridTimestamp expected =
        ops.entries().values().stream()
            .map(e -> e.stamp().time())
            .max(HybridTimestamp::compareTo)
            .orElse(null);
    assertThat(ops.latestTime()).isEqualTo(expected);
  }

  @Test
  void itCannotBeChanged() {
    SortedMap<Long, AppliedOps.Entry> map = randomOps(new Random(7), 80).entries();
    int size = map.size();
    Long key = map.firstKey();
    AppliedOps.Entry entry = map.get(key);
    assertThatThrownBy(() -> map.put(1L, entry)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.remove(key)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(map::clear).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.keySet().remove(key))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(
            () -> {
              var it = map.entrySet().iterator();
              it.next();
              it.remove();
            })
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.entrySet().iterator().next().setValue(entry))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(map).hasSize(size).containsEntry(key, entry);
  }

  @Test
  void theEmptyMap_hasNoFirstOrLastKey_andARangeMustNotRunBackwards() {
    SortedMap<Long, AppliedOps.Entry> empty = AppliedOps.EMPTY.entries();
    assertThatThrownBy(empty::firstKey).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(empty::lastKey).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> empty.entrySet().iterator().next())
        .isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> empty.subMap(2L, 1L)).isInstanceOf(IllegalArgumentException.class);
    assertThat(empty).isEqualTo(Map.of());
  }

  @Test
  void aGivenMap_isCopied_soChangingItLaterChangesNothing() {
    TreeMap<Long, AppliedOps.Entry> given = new TreeMap<>(randomOps(new Random(3), 30).entries());
    AppliedOps ops = new AppliedOps(given);
    TreeMap<Long, AppliedOps.Entry> before = new TreeMap<>(given);
    given.clear();
    assertThat(ops.entries()).isEqualTo(before).isNotEmpty();
  }
}
