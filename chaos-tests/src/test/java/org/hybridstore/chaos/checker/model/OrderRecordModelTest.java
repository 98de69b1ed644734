package org.hybridstore.chaos.checker.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.chaos.checker.LinearizabilityChecker;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.codec.CommandCodec;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.junit.jupiter.api.Test;

class OrderRecordModelTest {
  private static final OrderId ID = OrderId.of("o-1");
  private static final OrderCommand CREATE_CMD =
      OrderCommand.Create.of(ID, OpId.of("c"), "alice", "EUR");
  private static final OrderCommand PAY_CMD =
      new OrderCommand.Transition(ID, OpId.of("p"), OrderStatus.PAID);
  private static final Object CREATE = map(CREATE_CMD);
  private static final Object PAY = map(PAY_CMD);
  private static final String KEY = "o-1";

  private static Object map(OrderCommand c) {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .convertValue(CommandCodec.toJson(c), java.util.Map.class);
  }

  private static Object orderAfter(Object... commands) {
    OrderRecord r = null;
    long t = 1;
    for (Object o : commands) {
      OrderCommand c = o == CREATE ? CREATE_CMD : PAY_CMD;
      r =
          OrderCommands.apply(r, c, new Stamp(new HybridTimestamp(t++, 0), NodeId.of("x")))
              .record();
    }
    return OrderRecordModel.orderView(r.toOrder());
  }

  private static Validity check(Op... ops) {
    History h = new History();
    for (Op op : ops) {
      h.append(op);
    }
    return LinearizabilityChecker.of(
            new OrderRecordModel(), LinearizabilityChecker.Options.defaults())
        .check(h)
        .validity();
  }

  @Test
  void readConcurrentWithPayment_mayReturnEitherStatus() {
    // Given a create, then a payment concurrent with a read
    Validity v =
        check(
            Op.invoke(0, "apply", CREATE), Op.ok(0, "apply", CREATE),
            Op.invoke(1, "apply", PAY), Op.invoke(2, "read", KEY),
            Op.ok(2, "read", orderAfter(CREATE)), Op.ok(1, "apply", PAY));
    assertThat(v).isEqualTo(Validity.VALID);
  }

  @Test
  void readAfterAcknowledgedPayment_mustSeeIt() {
    Validity v =
        check(
            Op.invoke(0, "apply", CREATE), Op.ok(0, "apply", CREATE),
            Op.invoke(1, "apply", PAY), Op.ok(1, "apply", PAY),
            Op.invoke(2, "read", KEY), Op.ok(2, "read", orderAfter(CREATE)));
    assertThat(v).isEqualTo(Validity.INVALID);
  }

  @Test
  void unknownOutcomeWrite_mayTakeEffectLaterOrNever() {
    Validity later =
        check(
            Op.invoke(0, "apply", CREATE), Op.ok(0, "apply", CREATE),
            Op.invoke(1, "apply", PAY), Op.info(1, "apply", PAY),
            Op.invoke(2, "read", KEY), Op.ok(2, "read", orderAfter(CREATE)),
            Op.invoke(2, "read", KEY), Op.ok(2, "read", orderAfter(CREATE, PAY)));
    assertThat(later).isEqualTo(Validity.VALID);
    Validity backwards =
        check(
            Op.invoke(0, "apply", CREATE), Op.ok(0, "apply", CREATE),
            Op.invoke(1, "apply", PAY), Op.info(1, "apply", PAY),
            Op.invoke(2, "read", KEY), Op.ok(2, "read", orderAfter(CREATE, PAY)),
            Op.invoke(2, "read", KEY), Op.ok(2, "read", orderAfter(CREATE)));
    assertThat(backwards).isEqualTo(Validity.INVALID);
  }

  @Test
  void readBeforeCreate_seesNoOrder() {
    assertThat(
            check(
                Op.invoke(2, "read", KEY),
                Op.ok(2, "read", null),
                Op.invoke(0, "apply", CREATE),
                Op.ok(0, "apply", CREATE)))
        .isEqualTo(Validity.VALID);
    assertThat(
            check(
                Op.invoke(0, "apply", CREATE),
                Op.ok(0, "apply", CREATE),
                Op.invoke(2, "read", KEY),
                Op.ok(2, "read", null)))
        .isEqualTo(Validity.INVALID);
  }
}
