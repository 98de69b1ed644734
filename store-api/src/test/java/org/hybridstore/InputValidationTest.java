package org.hybridstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad input gets a typed error that names the field. */
class InputValidationTest {
  private static final OrderId ID = OrderId.of("o-1");
  private static final OpId OP = OpId.of("op-1");

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "-leading-dash",
        "has space",
        "slash/inside",
        "ünicode",
        "tab\tinside",
        "new\nline",
        "0123456789012345678901234567890123456789012345678901234567890123456789"
      })
  void orderId_invalid(String value) {
    assertThatThrownBy(() -> OrderId.of(value))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("orderId"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "o",
        "order-17",
        "A.b_c:d-e",
        "0123456789012345678901234567890123456789012345678901234567890123"
      })
  void orderId_valid(String value) {
    assertThat(OrderId.of(value).value()).isEqualTo(value);
  }

  @Test
  void opId_andNodeId_followTheSameRule() {
    assertThatThrownBy(() -> OpId.of("a b"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("opId");
    assertThatThrownBy(() -> NodeId.of(""))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("nodeId");
  }

  @Test
  void line_negativeOrZeroQuantity_andNegativePrice() {
    assertThatThrownBy(() -> new OrderLine("s", -1, 1))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("quantity"));
    assertThatThrownBy(() -> new OrderLine("s", 0, 1)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> new OrderLine("s", OrderLimits.MAX_QUANTITY + 1, 1))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> new OrderLine("s", 1, -5))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("unitPriceMinor"));
  }

  @Test
  void create_badCurrencyCustomerAndDuplicateSkus() {
    assertThatThrownBy(() -> OrderCommand.Create.of(ID, OP, "c", "eur"))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("currency"));
    assertThatThrownBy(
            () ->
                OrderCommand.Create.of(
                    ID, OP, "x".repeat(OrderLimits.MAX_CUSTOMER_LENGTH + 1), "EUR"))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("customer"));
    assertThatThrownBy(
            () ->
                new OrderCommand.Create(
                    ID,
                    OP,
                    "c",
                    "EUR",
                    List.of(new OrderLine("a", 1, 1), new OrderLine("a", 2, 1)),
                    new TreeMap<>()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate sku a");
  }

  @Test
  void create_oversized_isRejectedBeforeAnythingIsWritten() {
    List<OrderLine> lines = new ArrayList<>();
    for (int i = 0; i <= OrderLimits.MAX_LINES; i++) {
      lines.add(new OrderLine("s" + i, 1, 1));
    }
    assertThatThrownBy(() -> new OrderCommand.Create(ID, OP, "c", "EUR", lines, new TreeMap<>()))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("lines"));
    assertThatThrownBy(
            () ->
                new OrderCommand.SetAttribute(
                    ID, OP, "k", "v".repeat(OrderLimits.MAX_ATTRIBUTE_VALUE_LENGTH + 1)))
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("attributeValue"));
  }

  @Test
  void transition_toStatusesWithTheirOwnCommands_isRejected() {
    for (OrderStatus s :
        new OrderStatus[] {OrderStatus.CREATED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}) {
      assertThatThrownBy(() -> new OrderCommand.Transition(ID, OP, s))
          .isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  void refund_mayNeverRunDegraded_theOthersMay() {
    assertThat(new OrderCommand.Refund(ID, OP).allowedDegraded()).isFalse();
    assertThat(new OrderCommand.Transition(ID, OP, OrderStatus.PAID).allowedDegraded()).isTrue();
    assertThat(new OrderCommand.Cancel(ID, OP, "r").allowedDegraded()).isTrue();
  }

  @Test
  void configs_validateAndNameTheField() {
    assertThatThrownBy(() -> CpConfig.builder().build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("endpoints"));
    assertThatThrownBy(
            () ->
                CpConfig.builder()
                    .endpoints(List.of(URI.create("http://127.0.0.1:2379")))
                    .requestTimeout(Duration.ZERO)
                    .build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("requestTimeout"));
    assertThatThrownBy(
            () -> ApConfig.builder(Path.of("/tmp/x")).seeds(List.of("nohostport")).build())
        .isInstanceOfSatisfying(
            InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("seeds"));
    CpConfig ok =
        CpConfig.builder().endpoints(List.of(URI.create("http://127.0.0.1:2379"))).build();
    assertThat(ok.requestTimeout()).isEqualTo(CpConfig.DEFAULT_REQUEST_TIMEOUT);
    assertThat(ok.toBuilder().keyPrefix("/other/").build().keyPrefix()).isEqualTo("/other/");
    assertThat(ok.keyPrefix()).isEqualTo(CpConfig.DEFAULT_KEY_PREFIX);
  }

  @Test
  void cpConfig_toStringHidesThePassword() {
    CpConfig c =
        CpConfig.builder()
            .endpoints(List.of(URI.create("http://h:1")))
            .credentials("root", "s3cret")
            .build();
    assertThat(c.toString()).doesNotContain("s3cret").contains("root");
  }
}
