package org.lowrank4j.adapt.variant;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.adapt.flora.FloraVariant;
import org.lowrank4j.adapt.loca.LocaVariant;
import org.lowrank4j.adapt.loldu.LolduVariant;
import org.lowrank4j.adapt.nola.NolaVariant;
import org.lowrank4j.adapt.s2lora.S2LoraVariant;
import org.lowrank4j.adapt.salt.SaltVariant;
import org.lowrank4j.adapt.snell.SnellVariant;
import org.lowrank4j.adapt.snella.SnellaVariant;
import org.lowrank4j.adapt.sora.SoraVariant;

/**
 * The adapter variants beyond plain LoRA, in one list (a new variant is one package plus one entry here). LoRA itself
 * stays on the PEFT path ({@code peft/}, {@code lora/}); these are found by their command-line name or by the
 * {@code peft_type} their folders carry.
 */
public final class AdapterVariants {
    private static final List<AdapterVariant> ALL = List.of(new NolaVariant(), new SoraVariant(), new SaltVariant(),
            new LolduVariant(), new LocaVariant(), new S2LoraVariant(), new FloraVariant(), new SnellVariant(), new SnellaVariant());

    private AdapterVariants() {
    }

    public static List<AdapterVariant> all() {
        return ALL;
    }

    public static List<String> names() {
        List<String> out = new ArrayList<>();
        ALL.forEach(v -> out.add(v.name()));
        return out;
    }

    /** @throws IllegalArgumentException for a name no variant has, listing those there are */
    public static AdapterVariant byName(String name) {
        if ("lora".equalsIgnoreCase(name)) {
            throw new IllegalArgumentException("--adapter lora takes no NAME:KEY=VALUE options; set it with --rank, --alpha, --dropout and --rslora");
        }
        for (AdapterVariant v : ALL) {
            if (v.name().equalsIgnoreCase(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown adapter variant '" + name + "'; known: lora, " + String.join(", ", names()));
    }

    /** The variant whose folders carry this peft_type, or null (LORA and anything else). */
    public static AdapterVariant byPeftType(String peftType) {
        for (AdapterVariant v : ALL) {
            if (v.peftType().equals(peftType)) {
                return v;
            }
        }
        return null;
    }

    /** The peft_type values this code reads: LORA and each variant's. */
    public static List<String> peftTypes() {
        List<String> out = new ArrayList<>(List.of("LORA"));
        ALL.forEach(v -> out.add(v.peftType()));
        return out;
    }
}
