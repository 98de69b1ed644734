package org.hybridstore;

/**
 * The client-chosen identity of an order: 1 to 64 characters, a letter or digit first, then
 * letters, digits, {@code . _ : -}. The id becomes part of an etcd key, so the rule is strict.
 *
 * @param value the id
 * @throws InvalidInputException if the id breaks the rule
 */
public record OrderId(String value) implements Comparable<OrderId> {
  /** Validates the id. */
  public OrderId {
    Ids.requireValid("orderId", value);
  }

  /**
   * Returns the id for a string.
   *
   * @param value the id
   * @return the order id
   * @throws InvalidInputException if the id breaks the rule
   */
  public static OrderId of(String value) {
    return new OrderId(value);
  }

  @Override
  public int compareTo(OrderId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
