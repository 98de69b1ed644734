package org.hybridstore.example;

import java.time.Instant;
import java.time.InstantSource;

/**
 * The system clock plus an offset that can be changed at run time: how the chaos suite skews one
 * node's clock (network namespaces share the wall clock, so the skew goes through the store's
 * injectable time source). Thread-safe.
 */
final class OffsetClock implements InstantSource {
  private volatile long offsetMillis;

  @Override
  public Instant instant() {
    return Instant.now().plusMillis(offsetMillis);
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMillis;
  }

  void setOffsetMillis(long offset) {
    offsetMillis = offset;
  }

  long offsetMillis() {
    return offsetMillis;
  }
}
