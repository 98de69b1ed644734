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
    // every decoded record builds its lines here: messages only for errors
    if (quantity <= 0 || quantity > OrderLimits.MAX_QUANTITY) {
      throw new InvalidInputException(
          "quantity", "must be between 1 and " + OrderLimits.MAX_QUANTITY + ", was " + quantity);
    }
    if (unitPriceMinor < 0) {
      throw new InvalidInputException(
          "unitPriceMinor", "must not be negative, was " + unitPriceMinor);
    }
  }

  /** Returns quantity times unit price, in minor units. */
  public long totalMinor() {
    return Math.multiplyExact(quantity, unitPriceMinor);
  }
}
