package org.hybridstore.example.spring;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.hybridstore.OrderLimits;
import org.hybridstore.OrderStatus;
import org.jspecify.annotations.Nullable;

/** The bodies the API accepts, validated before they reach the store. */
final class OrderRequests {
  private OrderRequests() {}

  /** An id: what {@link org.hybridstore.OrderId} accepts. */
  static final String ID = "[A-Za-z0-9][A-Za-z0-9._:-]*";

  /**
   * A new order.
   *
   * @param orderId the id; a random one when absent
   * @param customer the customer reference
   * @param currency ISO 4217 code
   * @param lines the initial lines
   */
  record CreateOrder(
      @Nullable @Size(max = OrderLimits.MAX_ID_LENGTH) @Pattern(regexp = ID) String orderId,
      @NotBlank @Size(max = OrderLimits.MAX_CUSTOMER_LENGTH) String customer,
      @NotNull @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as EUR")
          String currency,
      @Nullable @Size(max = OrderLimits.MAX_LINES) List<@Valid @NotNull Line> lines) {}

  /**
   * An order line.
   *
   * @param sku the article
   * @param quantity how many
   * @param unitPriceMinor the price of one, in minor units of the order's currency
   */
  record Line(
      @NotBlank @Size(max = OrderLimits.MAX_SKU_LENGTH) String sku,
      @Positive @Max(OrderLimits.MAX_QUANTITY) int quantity,
      @PositiveOrZero long unitPriceMinor) {}

  /**
   * A status change along the status graph (CREATED, PAID, FULFILLING, SHIPPED, DELIVERED).
   *
   * @param to the new status
   */
  record Transition(@NotNull OrderStatus to) {}
}
