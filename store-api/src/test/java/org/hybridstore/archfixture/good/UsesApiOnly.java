package org.hybridstore.archfixture.good;

import org.hybridstore.OrderId;

/** Keeps to the boundaries: uses the public API only. */
public final class UsesApiOnly {
  OrderId run() {
    return OrderId.of("o-1");
  }
}
