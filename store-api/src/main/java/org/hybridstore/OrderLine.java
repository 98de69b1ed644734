package org.hybridstore;

/**
 * One line of an order.
 *
 * @param sku the article, 1 to 64 characters, same character rule as {@link OrderId}
 * @param quantity how many, 1 to {@link OrderLimits#MAX_QUANTITY}
 * @param unitPriceMinor the price of one unit in the currency's minor unit (cents), not negative
 * @throws InvalidInputException if a value breaks its rule
 */
public record OrderLine(String sku, int quantity, long unitPriceMinor) {
  /** Validates the line. */
  public OrderLine {
    Ids.requireValid("sku", sku);
    InvalidInputException.check(
        quantity > 0 && quantity <= OrderLimits.MAX_QUANTITY,
        "quantity",
        "must be between 1 and " + OrderLimits.MAX_QUANTITY + ", was " + quantity);
    InvalidInputException.check(
        unitPriceMinor >= 0, "unitPriceMinor", "must not be negative, was " + unitPriceMinor);
  }

  /** Returns quantity times unit price, in minor units. */
  public long totalMinor() {
    return Math.multiplyExact(quantity, unitPriceMinor);
  }
}
