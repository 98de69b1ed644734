package org.hybridstore.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpTest {

  @Test
  void constructor_normalisesIntegersAndCopiesLists() {
    List<Object> cas = new ArrayList<>(List.of(1, 2));
    Op op = Op.invoke(0, "cas", cas);
    cas.set(0, 9);

    assertThat(op.value()).isEqualTo(List.of(1L, 2L));
    assertThatThrownBy(() -> ((List<?>) op.value()).clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(Op.invoke(0, "write", 3).value()).isEqualTo(3L);
  }

  @Test
  void constructor_rejectsInvalidFields() {
    assertThatThrownBy(() -> Op.invoke(-2, "read", null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Op.invoke(0, " ", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Op.invoke(0, "write", new Object()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Op(-5, 0, 0, OpType.OK, "read", null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Op(0, -1, 0, OpType.OK, "read", null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Op(0, 0, 0, null, "read", null, null, null, null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void isClient_nemesisIsNotAClient() {
    assertThat(Op.of(Op.NEMESIS, OpType.INFO, "start", null).isClient()).isFalse();
    assertThat(Op.invoke(0, "read", null).isClient()).isTrue();
  }

  @Test
  void toString_looksLikeJepsen() {
    assertThat(Op.ok(3, "cas", List.of(1L, 2L)).withIndex(7).toString())
        .isEqualTo("#7 3 :ok :cas [1 2]");
  }
}
