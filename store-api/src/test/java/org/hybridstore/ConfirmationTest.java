package org.hybridstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The rule of {@link Confirmation#outcomeChanged()}, the checks of the feed's values. */
class ConfirmationTest {
  private static Order order(OrderStatus status, OrderStatus... conflicting) {
    Set<OrderStatus> c =
        conflicting.length == 0 ? Set.of() : EnumSet.of(conflicting[0], conflicting);
    return new Order(OrderId.of("o"), "c", "EUR", status, List.of(), new TreeMap<>(), c, 1);
  }

  @Test
  void outcomeChanged_sameStatus_isFalse() {
    assertThat(
            Confirmation.outcomeChanged(
                order(OrderStatus.PAID), Optional.of(order(OrderStatus.PAID))))
        .isFalse();
  }

  @Test
  void outcomeChanged_laterStatusOnTheSamePath_isFalse() {
    // a later write folded in together with this one moved the order on: not a change of outcome
    assertThat(
            Confirmation.outcomeChanged(
                order(OrderStatus.SHIPPED), Optional.of(order(OrderStatus.PAID))))
        .isFalse();
    assertThat(
            Confirmation.outcomeChanged(
                order(OrderStatus.CANCELLED), Optional.of(order(OrderStatus.FULFILLING))))
        .isFalse();
  }

  @Test
  void outcomeChanged_newConflict_isTrue() {
    Order merged = order(OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.CANCELLED);
    assertThat(Confirmation.outcomeChanged(merged, Optional.of(order(OrderStatus.SHIPPED))))
        .isTrue();
    assertThat(Confirmation.outcomeChanged(merged, Optional.of(order(OrderStatus.CANCELLED))))
        .isTrue();
  }

  @Test
  void outcomeChanged_conflictTheAcknowledgementAlreadyShowed_isFalse() {
    Order merged = order(OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.CANCELLED);
    assertThat(Confirmation.outcomeChanged(merged, Optional.of(merged))).isFalse();
  }

  @Test
  void outcomeChanged_unknownAcknowledgement_isTheConflict() {
    assertThat(Confirmation.outcomeChanged(order(OrderStatus.PAID), Optional.empty())).isFalse();
    assertThat(
            Confirmation.outcomeChanged(
                order(OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.CANCELLED),
                Optional.empty()))
        .isTrue();
  }

  @Test
  void confirmation_badRevisionOrOtherOrder_isRejected() {
    assertThatThrownBy(
            () ->
                new Confirmation(
                    OpId.of("op"),
                    OrderId.of("o"),
                    0,
                    true,
                    order(OrderStatus.PAID),
                    Optional.empty(),
                    false))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(
            () ->
                new Confirmation(
                    OpId.of("op"),
                    OrderId.of("other"),
                    3,
                    true,
                    order(OrderStatus.PAID),
                    Optional.empty(),
                    false))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void changeFeedOptions_bufferOutOfRange_isRejected() {
    assertThatThrownBy(() -> ChangeFeedOptions.DEFAULT.withBufferSize(1))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("bufferSize");
    assertThatThrownBy(() -> ChangeFeedOptions.DEFAULT.withBufferSize(65_537))
        .isInstanceOf(InvalidInputException.class);
    assertThat(ChangeFeedOptions.DEFAULT.withProvisional(true).provisional()).isTrue();
  }

  @Test
  void orderChange_holds_byOpKey() {
    OpId op = OpId.of("op-1");
    OrderChange c =
        new OrderChange(
            OrderChange.Kind.COMMITTED,
            OrderId.of("o"),
            7,
            7,
            order(OrderStatus.PAID),
            new java.util.TreeSet<>(List.of(op.key())));
    assertThat(c.holds(op)).isTrue();
    assertThat(c.holds(OpId.of("op-2"))).isFalse();
  }
}
