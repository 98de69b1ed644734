package org.hybridstore.cp.internal.archfixture;

/** Stands in for a cp-backend internal class in the boundary rules' negative tests. */
public final class FakeInternal {
  /** Does nothing. */
  public static void touch() {}
}
