package io.fulcrum.common.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Loads Fulcrum's YAML configuration file. The file is composed into YAML nodes (which keep line and
 * column), bound to the records by hand, cross-checked, and passed through the {@link FeatureGate}.
 * Every problem is collected; if there is any, a {@link ConfigException} lists them all and no
 * configuration object is produced.
 *
 * <pre>{@code
 * FulcrumConfig config = ConfigLoader.load(Path.of("/etc/fulcrum/fulcrum.yaml"));
 * }</pre>
 */
public final class ConfigLoader {
    /** Large ACLs fit easily; anything bigger is not a hand-written config file. */
    private static final int MAX_CODE_POINTS = 16 << 20;

    private ConfigLoader() {
    }

    /** Loads a file with the features this build supports. */
    public static FulcrumConfig load(final Path file) throws ConfigException {
        return load(file, FeatureGate.DEFAULT);
    }

    /** Loads a file with the given feature gate (tests use {@link FeatureGate#ALL}). */
    public static FulcrumConfig load(final Path file, final FeatureGate gate) throws ConfigException {
        final String text;
        try {
            final byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw fileError(file.toString(), "is not valid UTF-8 text");
        } catch (IOException e) {
            throw fileError(file.toString(), "cannot read the file: " + describe(e));
        }
        final Path parent = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), parent == null ? Path.of("/") : parent, gate,
            Runtime.getRuntime().availableProcessors());
    }

    /** Parses text with the features this build supports; relative paths resolve against the working directory. */
    public static FulcrumConfig parse(final String text, final String fileName) throws ConfigException {
        return parse(text, fileName, FeatureGate.DEFAULT);
    }

    /** Parses text with the given feature gate; relative paths resolve against the working directory. */
    public static FulcrumConfig parse(final String text, final String fileName, final FeatureGate gate) throws ConfigException {
        return parse(text, fileName, Path.of("").toAbsolutePath(), gate, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Parses text with the given feature gate; relative paths resolve against {@code baseDir} (the directory of
     * the file the text was read from, e.g. by a control client that sends a file's content).
     */
    public static FulcrumConfig parse(final String text, final String fileName, final Path baseDir, final FeatureGate gate)
        throws ConfigException {
        return parse(text, fileName, baseDir, gate, Runtime.getRuntime().availableProcessors());
    }

    static FulcrumConfig parse(final String text, final String fileName, final Path baseDir, final FeatureGate gate,
                               final int cores) throws ConfigException {
        final ConfigSource source = new ConfigSource(fileName);
        final Optional<Node> root = compose(text, source);
        if (source.hasErrors()) {
            throw new ConfigException(source.errors());
        }
        if (root.isEmpty()) {
            throw fileError(fileName, "is empty; it needs at least the node and dataplane sections");
        }
        final FulcrumConfig config = new ConfigBinder(source, baseDir, cores).bind(root.get());
        new ConfigValidator(source).validate(config);
        gate.check(source);
        if (source.hasErrors()) {
            throw new ConfigException(source.errors());
        }
        return config;
    }

    private static Optional<Node> compose(final String text, final ConfigSource source) {
        final LoadSettings settings = LoadSettings.builder()
            .setLabel(source.file())
            .setUseMarks(true)
            .setAllowRecursiveKeys(false)
            .setMaxAliasesForCollections(50)
            .setCodePointLimit(MAX_CODE_POINTS)
            .build();
        try {
            final Optional<Node> root = new Composer(settings, new ParserImpl(settings, new StreamReader(settings,
                text))).getSingleNode();
            root.ifPresent(node -> checkRecursion(node, source, new java.util.IdentityHashMap<>(), 0));
            return root;
        } catch (MarkedYamlEngineException e) {
            final String context = e.getContext() == null ? "" : e.getContext()
                + e.getContextMark().filter(m -> !m.equals(e.getProblemMark().orElse(null)))
                    .map(m -> " (started at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ")").orElse("")
                        + ": ";
            source.error(e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark(), "",
                "YAML syntax error: " + context + e.getProblem());
            return Optional.empty();
        } catch (YamlEngineException e) {
            source.error(Optional.empty(), "", "YAML error: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Aliases may repeat a node but not contain themselves; binding a cycle would never end. */
    private static void checkRecursion(final Node node, final ConfigSource source, final java.util.IdentityHashMap<Node,
        Boolean> path,
                                       final int depth) {
        if (path.containsKey(node) || depth > 64) {
            source.error(node.getStartMark(), "", depth > 64 ? "nesting is deeper than 64 levels" : "an alias refers to itself");
            return;
        }
        path.put(node, Boolean.TRUE);
        if (node instanceof org.snakeyaml.engine.v2.nodes.MappingNode m) {
            for (final var tuple : m.getValue()) {
                checkRecursion(tuple.getKeyNode(), source, path, depth + 1);
                checkRecursion(tuple.getValueNode(), source, path, depth + 1);
            }
        } else if (node instanceof org.snakeyaml.engine.v2.nodes.SequenceNode s) {
            for (final Node item : s.getValue()) {
                checkRecursion(item, source, path, depth + 1);
            }
        }
        path.remove(node);
    }

    private static ConfigException fileError(final String file, final String message) {
        return new ConfigException(List.of(new ConfigError(file, 1, 1, "", message)));
    }

    private static String describe(final IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such file";
            case java.nio.file.AccessDeniedException a -> "permission denied";
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        };
    }
}
