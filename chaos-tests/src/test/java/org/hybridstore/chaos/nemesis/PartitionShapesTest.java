package org.hybridstore.chaos.nemesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionShapesTest {

  @Test
  void isolate() {
    assertThat(PartitionShapes.isolate(3, 1)).containsExactly(Set.of(1), Set.of(0, 2));
    assertThat(PartitionShapes.isolate(5, 0)).containsExactly(Set.of(0), Set.of(1, 2, 3, 4));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 5})
  void halves_coverAllHostsOnce(int n) {
    for (int seed = 0; seed < 20; seed++) {
      List<Set<Integer>> parts = PartitionShapes.halves(n, new Random(seed));
      assertThat(parts.get(0)).hasSize(n / 2);
      assertThat(parts.get(1)).hasSize(n - n / 2);
      Set<Integer> union = new HashSet<>(parts.get(0));
      union.addAll(parts.get(1));
      assertThat(union).isEqualTo(Targets.all(n));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 4, 5})
  void ring_symmetricAndEveryHostSeesAMajority(int n) {
    for (int seed = 0; seed < 20; seed++) {
      Map<Integer, Set<Integer>> grudge = PartitionShapes.ring(n, new Random(seed));
      grudge.forEach(
          (h, cut) -> {
            assertThat(cut).doesNotContain(h);
            for (int o : cut) {
              assertThat(grudge.get(o)).as("symmetric").contains(h);
            }
          });
      Map<Integer, Set<Integer>> visible = PartitionShapes.visible(n, grudge);
      visible.values().forEach(v -> assertThat(v.size()).isGreaterThan(n / 2));
      assertThat(grudge).as("something is cut").isNotEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void ring_noTwoHostsSeeTheSameMajority(int n) {
    for (int seed = 0; seed < 20; seed++) {
      Map<Integer, Set<Integer>> visible =
          PartitionShapes.visible(n, PartitionShapes.ring(n, new Random(seed)));
      assertThat(new HashSet<>(visible.values())).hasSize(n);
      visible.values().forEach(v -> assertThat(v).hasSize(3));
    }
  }

  @Test
  void ring_threeHosts_isABridge() {
    for (int seed = 0; seed < 20; seed++) {
      Map<Integer, Set<Integer>> grudge = PartitionShapes.ring(3, new Random(seed));
      assertThat(grudge).hasSize(2);
      Map<Integer, Set<Integer>> visible = PartitionShapes.visible(3, grudge);
      assertThat(visible.values()).filteredOn(v -> v.size() == 3).hasSize(1);
      assertThat(visible.values()).filteredOn(v -> v.size() == 2).hasSize(2);
    }
  }

  @Test
  void ring_tooFewHosts() {
    assertThatThrownBy(() -> PartitionShapes.ring(2, new Random()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void targets_counts() {
    assertThat(Targets.ONE.count(3)).isEqualTo(1);
    assertThat(Targets.MAJORITY.count(3)).isEqualTo(2);
    assertThat(Targets.MAJORITY.count(4)).isEqualTo(3);
    assertThat(Targets.MAJORITY.count(5)).isEqualTo(3);
    assertThat(Targets.ALL.count(5)).isEqualTo(5);
    assertThat(Targets.MAJORITY.pick(5, new Random(3))).hasSize(3).allMatch(h -> h >= 0 && h < 5);
    assertThat(Targets.others(3, 1)).containsExactly(0, 2);
  }
}
