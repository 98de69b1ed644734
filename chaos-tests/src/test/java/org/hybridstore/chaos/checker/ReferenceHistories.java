package org.hybridstore.chaos.checker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.checker.model.NilReads;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryReaders;

/**
 * The reference histories in the test resources ({@code histories/}) and their expected verdicts
 * from {@code verdicts.csv}.
 */
public final class ReferenceHistories {

  /**
   * One row of verdicts.csv.
   *
   * @param path relative path under histories/
   * @param format the format column
   * @param model the model column
   * @param linearizable the expected verdict
   */
  public record Row(String path, String format, String model, boolean linearizable) {
    /**
     * Returns the file.
     *
     * @return the absolute path
     */
    public Path file() {
      return base().resolve(path);
    }

    /**
     * Returns the name without folders.
     *
     * @return the file name
     */
    public String name() {
      return file().getFileName().toString();
    }

    /**
     * Reads the history.
     *
     * @return the history
     */
    public History read() {
      try {
        return HistoryReaders.read(file());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * Returns the model the csv names, with an empty register and strict nil reads.
     *
     * @return the model
     */
    public Model<?> referenceModel() {
      return model.equals("kv") ? new KvModel() : new CasRegisterModel(null, NilReads.STRICT);
    }

    @Override
    public String toString() {
      return path;
    }
  }

  private ReferenceHistories() {}

  /**
   * Returns the folder holding the histories.
   *
   * @return the path of histories/ on the test classpath
   */
  public static Path base() {
    URL url = ReferenceHistories.class.getResource("/histories/verdicts.csv");
    if (url == null) {
      throw new IllegalStateException("histories/verdicts.csv is not on the test classpath");
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns all rows of verdicts.csv.
   *
   * @return the rows, in file order
   */
  public static List<Row> rows() {
    try {
      List<String> lines =
          Files.readAllLines(base().resolve("verdicts.csv"), StandardCharsets.UTF_8);
      List<Row> rows = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        if (line.isBlank()) {
          continue;
        }
        String[] c = line.split(",");
        rows.add(new Row(c[0], c[1], c[2], c[c.length - 1].strip().equals("linearizable")));
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns one row by file name.
   *
   * @param name for example {@code "etcd_002.log"}
   * @return the row
   */
  public static Row row(String name) {
    return rows().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no reference history " + name));
  }
}
