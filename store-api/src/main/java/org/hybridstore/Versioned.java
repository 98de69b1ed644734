package org.hybridstore;

/**
 * A value read from the store with where it came from.
 *
 * @param value the value
 * @param version the value's version (see {@link Order#version()})
 * @param servedBy the consistency the read actually had
 * @param <T> the value type
 */
public record Versioned<T>(T value, long version, ReadConsistency servedBy) {}
