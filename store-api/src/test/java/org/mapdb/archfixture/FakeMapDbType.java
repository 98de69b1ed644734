package org.mapdb.archfixture;

/** Stands in for a MapDB type in the boundary rules' negative tests. */
public final class FakeMapDbType {
  /** Does nothing. */
  public static void touch() {}
}
