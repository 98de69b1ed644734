package org.hybridstore.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hybridstore.InvalidInputException;
import org.hybridstore.Order;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;

/**
 * An order plus the metadata that lets independently written replicas be joined: what every backend
 * stores and every node replicates.
 *
 * <ul>
 *   <li>customer, currency, each line (by SKU) and each attribute (by key) is a last-writer-wins
 *       register stamped with the writer's hybrid clock and node id; removing a line or attribute
 *       leaves a tombstone;
 *   <li>the status is the {@link StatusHistory} of every status reached;
 *   <li>the {@link VersionVector} counts writes per node;
 *   <li>{@link AppliedOps} remembers the most recent op ids for idempotency.
 * </ul>
 *
 * <p>{@link #merge} is a join: commutative, associative and idempotent.
 *
 * @param id the order's id
 * @param customer the customer register
 * @param currency the currency register
 * @param lines the line registers by SKU (a {@code null} value is a removed line)
 * @param attributes the attribute registers by key (a {@code null} value is a removed attribute)
 * @param statuses every status reached
 * @param versions writes per node
 * @param appliedOps recently applied op ids
 */
public record OrderRecord(
    OrderId id,
    Lww<String> customer,
    Lww<String> currency,
    SortedMap<String, Lww<OrderLine>> lines,
    SortedMap<String, Lww<String>> attributes,
    StatusHistory statuses,
    VersionVector versions,
    AppliedOps appliedOps) {

  /** Copies the maps and checks that no field is missing. */
  public OrderRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(customer, "customer");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(statuses, "statuses");
    Objects.requireNonNull(versions, "versions");
    Objects.requireNonNull(appliedOps, "appliedOps");
    lines = Collections.unmodifiableSortedMap(new TreeMap<>(lines));
    attributes = Collections.unmodifiableSortedMap(new TreeMap<>(attributes));
  }

  /**
   * Returns the join of this record and another replica of the same order.
   *
   * @param other the other replica
   * @return the merged record
   * @throws InvalidInputException if the records belong to different orders
   */
  public OrderRecord merge(OrderRecord other) {
    if (!id.equals(other.id)) {
      throw new InvalidInputException(
          "record", "cannot merge order " + id + " with order " + other.id);
    }
    return new OrderRecord(
        id,
        customer.merge(other.customer),
        currency.merge(other.currency),
        mergeRegisters(lines, other.lines),
        mergeRegisters(attributes, other.attributes),
        statuses.merge(other.statuses),
        versions.merge(other.versions),
        appliedOps.merge(other.appliedOps));
  }

  /**
   * Returns whether this record already holds everything {@code other} holds: whether {@code
   * merge(other)} would equal this record. It builds nothing, which makes it the cheap question
   * before a merge whose usual answer is "the later version wins" (a replica absorbing a later
   * version of its own record from etcd).
   *
   * @param other another replica of the same order
   * @return true if the join with {@code other} is this record
   */
  public boolean includes(OrderRecord other) {
    return id.equals(other.id)
        && customer.merge(other.customer).equals(customer)
        && currency.merge(other.currency).equals(currency)
        && includesRegisters(lines, other.lines)
        && includesRegisters(attributes, other.attributes)
        && statuses.reached().containsAll(other.statuses.reached())
        && versions.includes(other.versions)
        && appliedOps.absorbs(other.appliedOps);
  }

  /** Returns the application's view of this record. */
  public Order toOrder() {
    TreeMap<String, String> attrs = new TreeMap<>();
    attributes.forEach(
        (k, v) -> {
          if (v.value() != null) {
            attrs.put(k, v.value());
          }
        });
    return new Order(
        id,
        Objects.requireNonNull(customer.value()),
        Objects.requireNonNull(currency.value()),
        statuses.current(),
        lines.values().stream()
            .filter(Lww::isPresent)
            .map(Lww::value)
            .map(Objects::requireNonNull)
            .toList(),
        attrs,
        statuses.conflicting(),
        versions.sum());
  }

  /** Returns the user-visible version: the sum of the version vector. */
  public long version() {
    return versions.sum();
  }

  /** Returns the latest stamp anywhere in the record: what a receiver's clock must observe. */
  public HybridTimestamp latestTime() {
    HybridTimestamp t = HybridTimestamp.max(customer.stamp().time(), currency.stamp().time());
    for (Lww<OrderLine> l : lines.values()) {
      t = HybridTimestamp.max(t, l.stamp().time());
    }
    for (Lww<String> a : attributes.values()) {
      t = HybridTimestamp.max(t, a.stamp().time());
    }
    HybridTimestamp ops = appliedOps.latestTime();
    return ops == null ? t : HybridTimestamp.max(t, ops);
  }

  private static <T> boolean includesRegisters(
      SortedMap<String, Lww<T>> mine, SortedMap<String, Lww<T>> theirs) {
    for (Map.Entry<String, Lww<T>> e : theirs.entrySet()) {
      Lww<T> held = mine.get(e.getKey());
      if (held == null || !held.merge(e.getValue()).equals(held)) {
        return false;
      }
    }
    return true;
  }

  private static <T> SortedMap<String, Lww<T>> mergeRegisters(
      SortedMap<String, Lww<T>> a, SortedMap<String, Lww<T>> b) {
    TreeMap<String, Lww<T>> out = new TreeMap<>(a);
    b.forEach((k, v) -> out.merge(k, v, Lww::merge));
    return out;
  }
}
