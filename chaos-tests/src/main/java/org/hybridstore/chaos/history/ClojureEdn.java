package org.hybridstore.chaos.history;

import clojure.java.api.Clojure;
import clojure.lang.IFn;
import clojure.lang.IPersistentMap;
import clojure.lang.Keyword;
import clojure.lang.PersistentHashMap;
import clojure.lang.Ratio;
import clojure.lang.Symbol;
import java.io.PushbackReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads EDN through Clojure's own reader ({@code clojure.edn/read}) and converts the result to
 * plain Java data: keywords and symbols become strings without the colon, vectors, lists and sets
 * become lists, maps become maps with string keys, integers become {@code Long}.
 *
 * <p>The Clojure runtime is loaded on first use (about a second). This class is threadsafe.
 */
final class ClojureEdn {

  private ClojureEdn() {}

  /** Lazily initialised holder: loading clojure.core is slow, so only do it when needed. */
  private static final class Fns {
    static final Keyword EOF_MARK = Keyword.intern("hybridstore.chaos", "eof");
    static final IFn READ;
    static final IPersistentMap OPTS;

    static {
      IFn require = Clojure.var("clojure.core", "require");
      require.invoke(Clojure.read("clojure.edn"));
      READ = Clojure.var("clojure.edn", "read");
      OPTS = PersistentHashMap.create(Keyword.intern("eof"), EOF_MARK);
    }
  }

  /** Marker returned by {@link #read} at end of input. */
  static final Object EOF = new Object();

  /**
   * Reads the next EDN form.
   *
   * @param in the reader, ideally a {@code clojure.lang.LineNumberingPushbackReader}
   * @return the form converted to Java data, or {@link #EOF}
   * @throws RuntimeException Clojure's reader exceptions for malformed input
   */
  static Object read(PushbackReader in) {
    Object form = Fns.READ.invoke(Fns.OPTS, in);
    if (form == Fns.EOF_MARK) {
      return EOF;
    }
    return toJava(form);
  }

  /**
   * Converts Clojure data to plain Java data.
   *
   * @param o a value read by the EDN reader
   * @return the plain value
   */
  static Object toJava(Object o) {
    if (o == null
        || o instanceof String
        || o instanceof Long
        || o instanceof Boolean
        || o instanceof Double) {
      return o;
    }
    if (o instanceof Keyword k) {
      return k.getNamespace() == null ? k.getName() : k.getNamespace() + "/" + k.getName();
    }
    if (o instanceof Symbol s) {
      return s.toString();
    }
    if (o instanceof clojure.lang.BigInt b) {
      return b.toBigInteger().bitLength() < 64
          ? (Object) b.longValue()
          : b.toBigInteger().toString();
    }
    if (o instanceof BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : b.toString();
    }
    if (o instanceof Ratio r) {
      return r.doubleValue();
    }
    if (o instanceof BigDecimal d) {
      return d.doubleValue();
    }
    if (o instanceof Character c) {
      return c.toString();
    }
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object k = toJava(e.getKey());
        out.put(k instanceof String s ? s : Op.formatValue(k), toJava(e.getValue()));
      }
      return out;
    }
    if (o instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>(c.size());
      for (Object x : c) {
        out.add(toJava(x));
      }
      return out;
    }
    if (o instanceof Number n) {
      return n.doubleValue();
    }
    // Tagged literals (#inst, #uuid) and anything else: keep the printed form.
    return o.toString();
  }
}
