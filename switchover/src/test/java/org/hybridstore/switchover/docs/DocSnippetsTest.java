package org.hybridstore.switchover.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's and the Javadoc's code blocks are the snippets in {@link DocSnippets}, which the
 * compiler checks: a renamed method or a changed builder breaks the build, not the reader.
 */
class DocSnippetsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void readme_showsTheCompiledEmbeddingSnippet() throws IOException {
    assertThat(markdownJavaBlocks(ROOT.resolve("README.md"))).contains(snippet("readme-embedding"));
  }

  @Test
  void javadoc_showsTheCompiledSnippets() throws IOException {
    assertThat(
            javadocBlocks(
                ROOT.resolve(
                    "switchover/src/main/java/org/hybridstore/switchover/HybridOrderStore.java")))
        .contains(snippet("hybrid-order-store"));
    assertThat(
            javadocBlocks(
                ROOT.resolve(
                    "ap-backend/src/main/java/org/hybridstore/ap/MapDbBackendFactory.java")))
        .contains(snippet("mapdb-backend-factory"));
    assertThat(
            javadocBlocks(
                ROOT.resolve(
                    "cp-backend/src/main/java/org/hybridstore/cp/EtcdBackendFactory.java")))
        .contains(snippet("etcd-backend-factory"));
  }

  @Test
  void everySnippetIsNonEmpty() throws IOException {
    assertThat(snippets())
        .containsOnlyKeys(
            "readme-embedding",
            "hybrid-order-store",
            "mapdb-backend-factory",
            "etcd-backend-factory");
    assertThat(snippets().values()).allSatisfy(s -> assertThat(s).isNotBlank());
  }

  private static String snippet(String name) throws IOException {
    String s = snippets().get(name);
    assertThat(s).as("snippet %s in DocSnippets.java", name).isNotNull();
    return s;
  }

  /** Snippet regions of DocSnippets.java, each with its common indentation removed. */
  private static Map<String, String> snippets() throws IOException {
    List<String> lines =
        Files.readAllLines(
            ROOT.resolve(
                "switchover/src/test/java/org/hybridstore/switchover/docs/DocSnippets.java"));
    Map<String, String> out = new LinkedHashMap<>();
    String name = null;
    List<String> region = new ArrayList<>();
    for (String line : lines) {
      String t = line.trim();
      if (t.startsWith("// snippet:")) {
        name = t.substring("// snippet:".length());
        region.clear();
      } else if (t.equals("// end-snippet") && name != null) {
        out.put(name, dedent(region));
        name = null;
      } else if (name != null) {
        region.add(line);
      }
    }
    return out;
  }

  private static List<String> markdownJavaBlocks(Path file) throws IOException {
    List<String> blocks = new ArrayList<>();
    Matcher m =
        Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(file));
    while (m.find()) {
      blocks.add(dedent(List.of(m.group(1).split("\n"))));
    }
    return blocks;
  }

  private static List<String> javadocBlocks(Path file) throws IOException {
    List<String> blocks = new ArrayList<>();
    Matcher m =
        Pattern.compile("<pre>\\{@code\\n(.*?)\\n \\* }</pre>", Pattern.DOTALL)
            .matcher(Files.readString(file));
    while (m.find()) {
      List<String> lines = new ArrayList<>();
      for (String l : m.group(1).split("\n")) {
        lines.add(l.replaceFirst("^ \\* ?", ""));
      }
      blocks.add(dedent(lines));
    }
    return blocks;
  }

  private static String dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
    }
    return b.toString().strip();
  }
}
