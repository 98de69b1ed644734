package org.hybridstore.chaos.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.history.Op;
import org.junit.jupiter.api.Test;

class OrderWorkloadTest {

  private static final Set<String> REGISTER_OPS = Set.of("put", "get", "transition", "status-read");

  private static String keyOf(Op op) {
    return op.value() instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(op.value());
  }

  @Test
  void generationsFor_coversTheRunWithAtMostTheLimitPerKey() {
    assertThat(OrderWorkload.generationsFor(0, 5)).isEqualTo(1);
    // the default run: 100 ops/s for 90 s, doubled
    assertThat(OrderWorkload.generationsFor(18_000, 5)).isEqualTo(1);
    // an 80-minute soak at twice 100 ops/s: 617,143 register ops over 25,000 per set
    assertThat(OrderWorkload.generationsFor(960_000, 5)).isEqualTo(25);
  }

  @Test
  void setup_createsEverySet_andTheFirstKeepsItsNames() {
    OrderWorkload w = new OrderWorkload(2, 3);
    assertThat(w.registerKeys())
        .containsExactly("reg-0", "reg-1", "reg-1-0", "reg-1-1", "reg-2-0", "reg-2-1");
    assertThat(w.setup()).hasSize(6);
    assertThat(new OrderWorkload(2).registerKeys()).containsExactly("reg-0", "reg-1");
  }

  @Test
  void next_movesToTheNextSetAfterTheLimit_andStaysOnTheLastOne() {
    OrderWorkload w = new OrderWorkload(2, 2);
    Random random = new Random(7);
    Map<String, Integer> perKey = new HashMap<>();
    int registerOps = 0;
    // three sets' worth of register operations; only two sets exist
    while (registerOps < 3 * 2 * OrderWorkload.OPS_PER_REGISTER_KEY) {
      Op op = w.next(random, 0);
      if (REGISTER_OPS.contains(op.f())) {
        String key = keyOf(op);
        if (registerOps < 2 * OrderWorkload.OPS_PER_REGISTER_KEY) {
          assertThat(key).isIn("reg-0", "reg-1");
        } else {
          assertThat(key).isIn("reg-1-0", "reg-1-1");
        }
        perKey.merge(key, 1, Integer::sum);
        registerOps++;
      }
    }
    assertThat(perKey).containsOnlyKeys("reg-0", "reg-1", "reg-1-0", "reg-1-1");
    assertThat(perKey.get("reg-0") + perKey.get("reg-1"))
        .isEqualTo(2 * OrderWorkload.OPS_PER_REGISTER_KEY);
  }

  @Test
  void badSizes_areRefused() {
    assertThatThrownBy(() -> new OrderWorkload(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OrderWorkload(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
