package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TxnBatchesTest {
  @Test
  void split_byOpCount() {
    List<Integer> items = IntStream.range(0, 300).boxed().toList();
    List<List<Integer>> batches = TxnBatches.split(items, i -> 10, 128, Long.MAX_VALUE);
    assertThat(batches).extracting(List::size).containsExactly(128, 128, 44);
  }

  @Test
  void split_byBytes() {
    // 256 KiB records: four fit in 1 MiB
    List<Integer> items = IntStream.range(0, 10).boxed().toList();
    List<List<Integer>> batches = TxnBatches.split(items, i -> 256 * 1024, 64, TxnBatches.MAX_BYTES_PER_TXN);
    assertThat(batches).extracting(List::size).containsExactly(4, 4, 2);
  }

  @Test
  void split_itemLargerThanLimit_getsItsOwnBatch() {
    List<List<Integer>> batches = TxnBatches.split(List.of(1, 2, 3), i -> i == 2 ? 5000 : 10, 10, 1000);
    assertThat(batches).containsExactly(List.of(1), List.of(2), List.of(3));
  }

  @Test
  void split_empty_noBatches() {
    assertThat(TxnBatches.split(Collections.<Integer>emptyList(), i -> 1, 10, 10)).isEmpty();
    assertThatThrownBy(() -> TxnBatches.split(List.of(1), i -> 1, 0, 10)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void limits_stayInsideEtcdDefaults() {
    // a merge write is a nested txn (1 outer op + 3 inner); etcd 3.4 allows 128 ops per level
    assertThat(TxnBatches.MAX_WRITES_PER_TXN + 3).isLessThanOrEqualTo(128);
    assertThat(TxnBatches.MAX_READS_PER_TXN).isLessThanOrEqualTo(128);
    assertThat(TxnBatches.MAX_BYTES_PER_TXN).isLessThan(1536 * 1024);
  }

  @Property(tries = 300)
  void split_keepsOrderAndRespectsLimits(@ForAll @Size(max = 400) List<@IntRange(min = 0, max = 300_000) Integer> sizes,
      @ForAll @IntRange(min = 1, max = 130) int maxItems) {
    long maxBytes = 1024 * 1024;
    List<List<Integer>> batches = TxnBatches.split(sizes, i -> i, maxItems, maxBytes);
    List<Integer> flat = new ArrayList<>();
    batches.forEach(flat::addAll);
    assertThat(flat).isEqualTo(sizes);
    for (List<Integer> b : batches) {
      assertThat(b).isNotEmpty().hasSizeLessThanOrEqualTo(maxItems);
      long bytes = b.stream().mapToLong(Integer::longValue).sum();
      assertThat(bytes <= maxBytes || b.size() == 1).isTrue();
    }
  }
}
