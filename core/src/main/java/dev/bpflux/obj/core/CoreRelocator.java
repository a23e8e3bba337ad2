package dev.bpflux.obj.core;

import dev.bpflux.BpfObjectException;
import dev.bpflux.obj.Instructions;
import dev.bpflux.obj.btf.Btf;
import dev.bpflux.obj.btf.BtfExt;
import dev.bpflux.obj.btf.BtfKind;
import dev.bpflux.obj.btf.BtfType;
import dev.bpflux.obj.btf.CoreReloKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applies CO-RE relocations ({@code .BTF.ext} core_relo records) to a program's instructions for a
 * target kernel's BTF. Pure: the local BTF and the target BTFs are given. The algorithm is libbpf's
 * ({@code relo_core.c}), so both loaders produce the same instructions:
 *
 * <ol>
 * <li>The access string ({@code "0:1:2"}) is parsed against the local type into a spec: accessors
 * (named fields, array indexes) and the bit offset they add up to. Anonymous struct/union members are
 * walked through but are not accessors of their own.</li>
 * <li>Candidates for the local type: target types of a compatible kind (same kind; ENUM and ENUM64
 * count as one) with the same essential name (the name without a {@code ___flavor} suffix, on either
 * side), in vmlinux and, only when vmlinux has none, in the module BTFs (each module's own types).
 * Candidates are cached per local type id and narrowed to those that matched, as libbpf does, so create
 * one relocator per object and reuse it for all its programs.</li>
 * <li>Each candidate is matched: fields by name through nested anonymous members with compatible field
 * types, array indexes within bounds (flexible last-member arrays allowed), enumerators by essential
 * name; TYPE_MATCHES uses the stricter structural match. All matching candidates must agree on the
 * bit offset and value, else the relocation is ambiguous (an error).</li>
 * <li>The value is computed from the match (offset, size, signedness, bitfield shifts, type id, size,
 * existence, enumerator value). Bitfield byte offset and size use the smallest naturally aligned
 * load that covers the bits.</li>
 * <li>The instruction is checked to hold the value the compiler computed from the local BTF (ALU
 * {@code imm} with BPF_K, LDX/ST/STX {@code off}, {@code ld_imm64}'s 64-bit immediate; not for bitfield
 * layout values, nor type ids, which change when objects are linked) and patched. A changed field size
 * of a load/store also changes the instruction's size, which is allowed only for pointers and unsigned
 * integers.</li>
 * <li>No match for a relocation that needs one (field offset/size/shifts/signedness, enumerator value,
 * an unsafe size change): the instruction is poisoned, not rejected: it becomes
 * {@code call 0xbad2310} (and the second half of a {@code ld_imm64} too), so the verifier rejects the
 * program only if the instruction is reachable. Existence checks simply yield 0.</li>
 * </ol>
 */
public final class CoreRelocator {
    /**
     * The helper id a poisoned instruction calls: {@code 0xbad2310} (195896080, "bad relo"); no such
     * helper exists, so the verifier rejects the program only if the instruction is reachable
     * ("invalid func unknown#195896080").
     */
    public static final int POISON_HELPER_ID = 0xbad2310;
    /** Longest access string, as libbpf (BPF_CORE_SPEC_MAX_LEN). */
    static final int MAX_SPEC_LEN = 64;

    private final Btf local;
    private final TargetBtfs targets;
    /** Local type id -> remaining candidates (narrowed as relocations match a subset). */
    private final Map<Integer, List<Candidate>> candidates = new ConcurrentHashMap<>();

    private CoreRelocator(Btf local, TargetBtfs targets) {
        this.local = local;
        this.targets = targets;
    }

    /** A relocator of an object's BTF {@code local} against {@code targets} (e.g. {@code KernelBtfs}). */
    public static CoreRelocator create(Btf local, TargetBtfs targets) {
        return new CoreRelocator(local, targets);
    }

    /**
     * Relocates {@code program} (a linked program: main function plus appended subprograms) with
     * {@code relocations}, whose instruction indexes are relative to {@code program}.
     *
     * @throws BpfObjectException when a record is malformed (bad access string, instruction that does
     *         not hold the expected value or is not of a relocatable form, anonymous local type) or
     *         candidates disagree (ambiguous relocation)
     */
    public CoreResult relocate(Instructions program, List<BtfExt.CoreRelocation> relocations) {
        long[] insns = program.toLongArray();
        List<CoreOutcome> outcomes = new ArrayList<>(relocations.size());
        for (int i = 0; i < relocations.size(); i++) {
            BtfExt.CoreRelocation r = relocations.get(i);
            if (r.insnIndex() < 0 || r.insnIndex() >= insns.length) {
                throw error(i, r, "instruction #" + r.insnIndex() + " is outside the program's " + insns.length
                        + " instructions");
            }
            Result res = resolve(i, r);
            patch(insns, i, r, res);
            outcomes.add(res.outcome(r));
        }
        return new CoreResult(Instructions.of(insns), outcomes);
    }

    // ---------------------------------------------------------------- specs

    private record Accessor(int typeId, int idx, String name) {
    }

    private static final class Spec {
        final Btf btf;
        final int rootTypeId;
        final List<Accessor> acc = new ArrayList<>();
        final List<Integer> raw = new ArrayList<>();
        long bitOffset;
        String target = "local";

        Spec(Btf btf, int rootTypeId) {
            this.btf = btf;
            this.rootTypeId = rootTypeId;
        }

        Accessor last() {
            return acc.get(acc.size() - 1);
        }

        String rawString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < raw.size(); i++) {
                sb.append(i == 0 ? "" : ":").append(raw.get(i));
            }
            return sb.toString();
        }
    }

    /** Thrown inside the relocator when a relocation record is invalid; becomes a BpfObjectException. */
    private static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private Spec parseSpec(BtfExt.CoreRelocation r) {
        String s = r.accessString();
        if (s == null || s.isEmpty() || s.charAt(0) == ':') {
            throw new Invalid("empty or malformed access string '" + s + "'");
        }
        Spec spec = new Spec(local, r.typeId());
        if (r.kind().isTypeBased()) {
            if (!s.equals("0")) {
                throw new Invalid("type relocation with access string '" + s + "', expected \"0\"");
            }
            return spec;
        }
        for (String part : s.split(":", -1)) {
            if (spec.raw.size() == MAX_SPEC_LEN) {
                throw new Invalid("access string '" + s + "' is longer than " + MAX_SPEC_LEN + " accesses");
            }
            int v;
            try {
                v = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new Invalid("access string '" + s + "' has non-numeric part '" + part + "'");
            }
            if (v < 0) {
                throw new Invalid("access string '" + s + "' has negative index " + v);
            }
            spec.raw.add(v);
        }
        int id = local.skipModifiers(r.typeId());
        int idx = spec.raw.get(0);
        BtfKind k = local.kind(id);
        if (r.kind().isEnumValueBased()) {
            if ((k != BtfKind.ENUM && k != BtfKind.ENUM64) || spec.raw.size() > 1 || idx >= local.vlen(id)) {
                throw new Invalid("enum value relocation '" + s + "' on " + k + " [" + id + "] with "
                        + local.vlen(id) + " values");
            }
            spec.acc.add(new Accessor(id, idx, enumerators(local, id).get(idx).name()));
            return spec;
        }
        spec.acc.add(new Accessor(id, idx, null));
        spec.bitOffset = (long) idx * size(local, id) * 8;
        for (int i = 1; i < spec.raw.size(); i++) {
            id = local.skipModifiers(id);
            idx = spec.raw.get(i);
            k = local.kind(id);
            if (k == BtfKind.STRUCT || k == BtfKind.UNION) {
                List<BtfType.Member> ms = members(local, id);
                if (idx >= ms.size()) {
                    throw new Invalid("access string '" + s + "': member #" + idx + " of [" + id + "] "
                            + local.typeName(id) + " which has " + ms.size());
                }
                BtfType.Member m = ms.get(idx);
                spec.bitOffset += m.bitOffset();
                if (!m.name().isEmpty()) {
                    spec.acc.add(new Accessor(id, idx, m.name()));
                }
                id = m.type();
            } else if (k == BtfKind.ARRAY) {
                BtfType.Array a = local.type(id, BtfType.Array.class);
                int elem = local.skipModifiers(a.elemType());
                boolean flex = isFlexArray(local, spec.last(), a);
                if (!flex && Integer.toUnsignedLong(idx) >= Integer.toUnsignedLong(a.nelems())) {
                    throw new Invalid("access string '" + s + "': index " + idx + " of a " + a.nelems()
                            + "-element array");
                }
                id = elem;
                spec.acc.add(new Accessor(id, idx, null));
                spec.bitOffset += (long) idx * size(local, id) * 8;
            } else {
                throw new Invalid("access string '" + s + "' (at " + i + ") reaches [" + id + "] of kind " + k
                        + ", which has no members or elements");
            }
        }
        return spec;
    }

    private static boolean isFlexArray(Btf btf, Accessor enclosing, BtfType.Array a) {
        if (enclosing.name() == null || a.nelems() > 0) {
            return false;
        }
        return enclosing.idx() == btf.vlen(enclosing.typeId()) - 1;
    }

    // ---------------------------------------------------------------- candidates

    private record Candidate(TargetBtf target, int id) {
    }

    private List<Candidate> candidates(int localId) {
        List<Candidate> c = candidates.get(localId);
        if (c == null) {
            c = findCandidates(localId);
            candidates.put(localId, c);
        }
        return c;
    }

    private List<Candidate> findCandidates(int localId) {
        String name = local.typeName(localId);
        if (name.isEmpty()) {
            throw new Invalid("CO-RE relocations of anonymous types are not supported (local type [" + localId + "])");
        }
        String essential = CoreNames.essentialName(name);
        BtfKind kind = local.kind(localId);
        List<Candidate> out = new ArrayList<>();
        addCandidates(targets.vmlinux(), essential, kind, out);
        if (out.isEmpty()) {
            for (String m : targets.moduleNames()) {
                addCandidates(targets.module(m), essential, kind, out);
            }
        }
        return out;
    }

    private static void addCandidates(TargetBtf t, String essential, BtfKind kind, List<Candidate> out) {
        Btf btf = t.btf();
        List<Integer> ids = new ArrayList<>();
        collect(btf, essential, kind, t.firstOwnTypeId(), ids);
        for (String flavored : CoreNames.flavoredNames(btf, essential)) {
            collect(btf, flavored, kind, t.firstOwnTypeId(), ids);
        }
        if (t.isModule()) {
            // A module's type names may live in vmlinux's strings (split BTF shares them).
            btf.base().ifPresent(base -> {
                for (String flavored : CoreNames.flavoredNames(base, essential)) {
                    collect(btf, flavored, kind, t.firstOwnTypeId(), ids);
                }
            });
        }
        ids.stream().distinct().sorted().forEach(id -> out.add(new Candidate(t, id)));
    }

    private static void collect(Btf btf, String name, BtfKind kind, int firstId, List<Integer> ids) {
        for (int id : btf.findByName(name, null)) {
            if (id >= firstId && CoreTypes.kindsCompatible(btf.kind(id), kind)) {
                ids.add(id);
            }
        }
    }

    // ---------------------------------------------------------------- matching

    /** Returns the target spec when candidate {@code c} matches, null otherwise. */
    private Spec match(Spec localSpec, CoreReloKind kind, Candidate c) {
        Btf tb = c.target().btf();
        Spec t = new Spec(tb, c.id());
        t.target = c.target().label();
        if (kind.isTypeBased()) {
            boolean ok = kind == CoreReloKind.TYPE_MATCHES
                    ? CoreTypes.typesMatch(local, localSpec.rootTypeId, tb, c.id())
                    : CoreTypes.areCompatible(local, localSpec.rootTypeId, tb, c.id());
            return ok ? t : null;
        }
        if (kind.isEnumValueBased()) {
            int id = tb.skipModifiers(c.id());
            BtfKind k = tb.kind(id);
            if (k != BtfKind.ENUM && k != BtfKind.ENUM64) {
                return null;
            }
            String want = localSpec.acc.get(0).name();
            List<BtfType.EnumValue> vs = enumerators(tb, id);
            for (int i = 0; i < vs.size(); i++) {
                if (CoreNames.sameEssentialName(want, vs.get(i).name())) {
                    t.acc.add(new Accessor(id, i, vs.get(i).name()));
                    t.raw.add(i);
                    return t;
                }
            }
            return null;
        }
        int targId = c.id();
        for (int i = 0; i < localSpec.acc.size(); i++) {
            Accessor la = localSpec.acc.get(i);
            targId = tb.skipModifiers(targId);
            if (la.name() != null) {
                int[] next = new int[1];
                if (!matchMember(la, tb, targId, t, next)) {
                    return null;
                }
                targId = next[0];
            } else {
                if (i > 0) {
                    if (tb.kind(targId) != BtfKind.ARRAY) {
                        return null;
                    }
                    BtfType.Array a = tb.type(targId, BtfType.Array.class);
                    boolean flex = isFlexArray(tb, t.last(), a);
                    if (!flex && Integer.toUnsignedLong(la.idx()) >= Integer.toUnsignedLong(a.nelems())) {
                        return null;
                    }
                    targId = tb.skipModifiers(a.elemType());
                }
                if (t.raw.size() == MAX_SPEC_LEN) {
                    throw new Invalid("target access path longer than " + MAX_SPEC_LEN);
                }
                t.acc.add(new Accessor(targId, la.idx(), null));
                t.raw.add(la.idx());
                t.bitOffset += (long) la.idx() * size(tb, targId) * 8;
            }
        }
        return t;
    }

    /**
     * Finds local member {@code la} in target composite {@code targId}, descending into anonymous
     * members; on success appends the accessor, adds the offset and sets {@code next[0]} to the
     * member's type.
     */
    private boolean matchMember(Accessor la, Btf tb, int targId, Spec t, int[] next) {
        BtfType.Member lm = members(local, la.typeId()).get(la.idx());
        int id = tb.skipModifiers(targId);
        BtfKind k = tb.kind(id);
        if (k != BtfKind.STRUCT && k != BtfKind.UNION) {
            return false;
        }
        List<BtfType.Member> ms = members(tb, id);
        for (int i = 0; i < ms.size(); i++) {
            BtfType.Member m = ms.get(i);
            if (t.raw.size() == MAX_SPEC_LEN) {
                throw new Invalid("target access path longer than " + MAX_SPEC_LEN);
            }
            t.bitOffset += m.bitOffset();
            t.raw.add(i);
            if (m.name().isEmpty()) {
                if (matchMember(la, tb, m.type(), t, next)) {
                    return true;
                }
            } else if (m.name().equals(lm.name())) {
                if (fieldsCompatible(local, lm.type(), tb, m.type())) {
                    t.acc.add(new Accessor(id, i, m.name()));
                    next[0] = m.type();
                    return true;
                }
                // Same name, incompatible type: no match (libbpf stops here too; the offset is discarded
                // with the candidate).
                return false;
            }
            t.bitOffset -= m.bitOffset();
            t.raw.remove(t.raw.size() - 1);
        }
        return false;
    }

    /** libbpf's bpf_core_fields_are_compat. */
    static boolean fieldsCompatible(Btf lb, int lid, Btf tb, int tid) {
        for (int depth = 0; depth < CoreTypes.MAX_LEVEL; depth++) {
            lid = lb.skipModifiers(lid);
            tid = tb.skipModifiers(tid);
            BtfKind lk = lb.kind(lid);
            BtfKind tk = tb.kind(tid);
            boolean lc = lk == BtfKind.STRUCT || lk == BtfKind.UNION;
            boolean tc = tk == BtfKind.STRUCT || tk == BtfKind.UNION;
            if (lc && tc) {
                return true;
            }
            if (!CoreTypes.kindsCompatible(lk, tk)) {
                return false;
            }
            switch (lk) {
                case PTR: case FLOAT:
                    return true;
                case FWD: case ENUM: case ENUM64: {
                    String ln = lb.typeName(lid);
                    String tn = tb.typeName(tid);
                    return ln.isEmpty() || tn.isEmpty() || CoreNames.sameEssentialName(ln, tn);
                }
                case INT:
                    return lb.type(lid, BtfType.Int.class).bitOffset() == 0
                            && tb.type(tid, BtfType.Int.class).bitOffset() == 0;
                case ARRAY:
                    lid = lb.referencedType(lid);
                    tid = tb.referencedType(tid);
                    break;
                default:
                    return false;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- values

    /** bpf_core_relo_res. */
    private static final class Result {
        long origVal;
        long newVal;
        boolean poison;
        boolean validate = true;
        boolean failMemszAdjust;
        int origSz;
        int newSz;
        int origTypeId;
        int newTypeId;
        Spec localSpec;
        Spec targetSpec;
        String why;

        CoreOutcome outcome(BtfExt.CoreRelocation r) {
            String path = describe(localSpec, r);
            if (poison) {
                return new CoreOutcome(r, CoreOutcome.Status.POISONED, origVal, 0, targetSpec == null ? null
                        : targetSpec.target, targetSpec == null ? 0 : targetSpec.rootTypeId, path + " -> poisoned: " + why);
            }
            String to = targetSpec == null ? "no target type, value " + newVal
                    : targetSpec.target + " [" + targetSpec.rootTypeId + "]"
                    + (targetSpec.raw.isEmpty() ? "" : " " + targetSpec.rawString()) + " -> " + newVal;
            return new CoreOutcome(r, CoreOutcome.Status.RESOLVED, origVal, newVal,
                    targetSpec == null ? null : targetSpec.target, targetSpec == null ? 0 : targetSpec.rootTypeId,
                    path + " -> " + to);
        }

        private static String describe(Spec s, BtfExt.CoreRelocation r) {
            if (s == null) {
                return "[" + r.typeId() + "] " + r.accessString();
            }
            StringBuilder sb = new StringBuilder();
            BtfKind k = s.btf.kind(s.rootTypeId);
            sb.append('[').append(s.rootTypeId).append("] ").append(k.name().toLowerCase()).append(' ')
                    .append(s.btf.typeName(s.rootTypeId));
            for (Accessor a : s.acc) {
                if (a.name() != null) {
                    sb.append('.').append(a.name());
                } else if (s.acc.indexOf(a) > 0) {
                    sb.append('[').append(a.idx()).append(']');
                }
            }
            sb.append(" (").append(r.accessString()).append(')');
            return sb.toString();
        }
    }

    private Result resolve(int relIdx, BtfExt.CoreRelocation r) {
        try {
            if (!local.hasType(r.typeId()) || r.typeId() == 0) {
                throw new Invalid("local type id " + r.typeId() + " does not exist");
            }
            Spec localSpec = parseSpec(r);
            if (r.kind() == CoreReloKind.TYPE_ID_LOCAL) {
                Result res = new Result();
                res.validate = false;
                res.origVal = localSpec.rootTypeId;
                res.newVal = localSpec.rootTypeId;
                res.localSpec = localSpec;
                return res;
            }
            List<Candidate> cands = candidates(r.typeId());
            List<Candidate> kept = new ArrayList<>();
            Result targ = null;
            for (Candidate c : cands) {
                Spec cs = match(localSpec, r.kind(), c);
                if (cs == null) {
                    continue;
                }
                Result cr = calc(r, localSpec, cs);
                if (targ == null) {
                    targ = cr;
                } else if (cs.bitOffset != targ.targetSpec.bitOffset) {
                    throw new Invalid("field offset ambiguity: candidates at bit " + cs.bitOffset + " and "
                            + targ.targetSpec.bitOffset);
                } else if (cr.poison != targ.poison || cr.newVal != targ.newVal) {
                    throw new Invalid("relocation decision ambiguity: " + (cr.poison ? "failure " : "success ")
                            + cr.newVal + " != " + (targ.poison ? "failure " : "success ") + targ.newVal);
                }
                kept.add(c);
            }
            if (!kept.isEmpty()) {
                candidates.put(r.typeId(), kept);
            } else {
                targ = calc(r, localSpec, null);
                if (targ.poison) {
                    targ.why = cands.isEmpty() ? "no " + local.kind(r.typeId()).name().toLowerCase() + " named '"
                            + CoreNames.essentialName(local.typeName(r.typeId())) + "' in " + searched()
                            : "none of " + cands.size() + " candidate(s) has the field/enumerator";
                }
            }
            return targ;
        } catch (Invalid e) {
            throw error(relIdx, r, e.getMessage());
        } catch (BpfObjectException e) {
            throw error(relIdx, r, e.getMessage());
        }
    }

    private String searched() {
        List<String> m = targets.moduleNames();
        return m.isEmpty() ? "vmlinux" : "vmlinux or " + m.size() + " modules";
    }

    private Result calc(BtfExt.CoreRelocation r, Spec localSpec, Spec targ) {
        Result res = new Result();
        res.localSpec = localSpec;
        res.targetSpec = targ;
        CoreReloKind kind = r.kind();
        if (kind.isFieldBased()) {
            long[] o = fieldValue(kind, localSpec, true);
            res.origVal = o[0];
            res.origSz = (int) o[1];
            res.origTypeId = (int) o[2];
            res.validate = o[3] != 0;
            if (targ == null && kind != CoreReloKind.FIELD_EXISTS) {
                res.poison = true;
                res.why = "field not found";
                return res;
            }
            if (kind == CoreReloKind.FIELD_EXISTS) {
                res.newVal = targ == null ? 0 : 1;
                return res;
            }
            long[] n = fieldValue(kind, targ, false);
            res.newVal = n[0];
            res.newSz = (int) n[1];
            res.newTypeId = (int) n[2];
            if (res.origSz != res.newSz) {
                BtfKind ok = local.kind(res.origTypeId);
                BtfKind nk = targ.btf.kind(res.newTypeId);
                boolean safe = (ok == BtfKind.PTR && nk == BtfKind.PTR)
                        || (ok == BtfKind.INT && nk == BtfKind.INT
                        && local.type(res.origTypeId, BtfType.Int.class).encoding() != BtfType.Int.SIGNED
                        && targ.btf.type(res.newTypeId, BtfType.Int.class).encoding() != BtfType.Int.SIGNED);
                res.failMemszAdjust = !safe;
            }
        } else if (kind.isTypeBased()) {
            res.origVal = typeValue(kind, localSpec);
            res.validate = kind != CoreReloKind.TYPE_ID_TARGET;
            res.newVal = targ == null ? 0 : typeValue(kind, targ);
        } else {
            res.origVal = enumValue(kind, localSpec);
            if (targ == null && kind == CoreReloKind.ENUMVAL_VALUE) {
                res.poison = true;
                res.why = "enumerator not found";
                return res;
            }
            res.newVal = enumValue(kind, targ);
        }
        return res;
    }

    /**
     * {val, size, typeId, validate} of a field relocation on {@code spec}. A bitfield no 64-bit load
     * covers is an error on either side (libbpf fails the load there too).
     */
    private long[] fieldValue(CoreReloKind kind, Spec spec, boolean isLocal) {
        if (kind == CoreReloKind.FIELD_EXISTS) {
            return new long[]{1, 0, 0, 1};
        }
        Btf b = spec.btf;
        Accessor acc = spec.last();
        if (acc.name() == null) {
            long sz = size(b, acc.typeId());
            switch (kind) {
                case FIELD_BYTE_OFFSET:
                    return new long[]{spec.bitOffset / 8, sz, acc.typeId(), 1};
                case FIELD_BYTE_SIZE:
                    return new long[]{sz, 0, 0, 1};
                default:
                    throw new Invalid(kind + " cannot be applied to an array element access");
            }
        }
        BtfType.Member m = members(b, acc.typeId()).get(acc.idx());
        int fieldType = b.skipModifiers(m.type());
        long bitOff = spec.bitOffset;
        long bitSz = m.bitfieldSize();
        boolean bitfield = bitSz > 0;
        long byteSz;
        long byteOff;
        if (bitfield) {
            byteSz = typeSizeField(b, fieldType);
            if (byteSz <= 0) {
                throw new Invalid("bitfield of type [" + fieldType + "] without a size");
            }
            byteOff = bitOff / 8 / byteSz * byteSz;
            while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
                if (byteSz >= 8) {
                    throw new Invalid("bitfield " + (isLocal ? "" : "in the target kernel ")
                            + "cannot be read with a 64-bit load");
                }
                byteSz *= 2;
                byteOff = bitOff / 8 / byteSz * byteSz;
            }
        } else {
            byteSz = size(b, fieldType);
            byteOff = spec.bitOffset / 8;
            bitSz = byteSz * 8;
        }
        long validate = bitfield ? 0 : 1;
        switch (kind) {
            case FIELD_BYTE_OFFSET:
                return new long[]{byteOff, bitfield ? 0 : byteSz, bitfield ? 0 : fieldType, validate};
            case FIELD_BYTE_SIZE:
                return new long[]{byteSz, 0, 0, validate};
            case FIELD_SIGNED: {
                BtfKind k = b.kind(fieldType);
                boolean signed = ((k == BtfKind.ENUM || k == BtfKind.ENUM64) && b.kindFlag(fieldType))
                        || (k == BtfKind.INT && b.type(fieldType, BtfType.Int.class).isSigned());
                return new long[]{signed ? 1 : 0, 0, 0, 1};
            }
            case FIELD_LSHIFT_U64:
                return new long[]{64 - (bitOff + bitSz - byteOff * 8), 0, 0, validate};
            case FIELD_RSHIFT_U64:
                return new long[]{64 - bitSz, 0, 0, 1};
            default:
                throw new Invalid("unsupported field relocation " + kind);
        }
    }

    /** {@code mt->size} of a bitfield's (modifier-skipped) type: its size field for ints and enums. */
    private static long typeSizeField(Btf b, int id) {
        BtfKind k = b.kind(id);
        if (k == BtfKind.INT || k == BtfKind.ENUM || k == BtfKind.ENUM64 || k == BtfKind.STRUCT
                || k == BtfKind.UNION) {
            return b.sizeOf(id);
        }
        return 0;
    }

    private static long typeValue(CoreReloKind kind, Spec spec) {
        switch (kind) {
            case TYPE_ID_TARGET:
                return spec.rootTypeId;
            case TYPE_EXISTS:
            case TYPE_MATCHES:
                return 1;
            case TYPE_SIZE:
                return size(spec.btf, spec.rootTypeId);
            default:
                throw new Invalid("unsupported type relocation " + kind);
        }
    }

    private static long enumValue(CoreReloKind kind, Spec spec) {
        if (kind == CoreReloKind.ENUMVAL_EXISTS) {
            return spec == null ? 0 : 1;
        }
        Accessor a = spec.acc.get(0);
        BtfKind k = spec.btf.kind(a.typeId());
        long v = enumerators(spec.btf, a.typeId()).get(a.idx()).value();
        if (k == BtfKind.ENUM) {
            // btf_enum.val is an s32 assigned to a u64: sign-extended whatever the enum's signedness.
            return (int) v;
        }
        return v;
    }

    private static long size(Btf b, int id) {
        try {
            return b.sizeOf(id);
        } catch (BpfObjectException e) {
            throw new Invalid("type [" + id + "] has no size: " + e.getMessage());
        }
    }

    static List<BtfType.Member> members(Btf b, int id) {
        BtfType t = b.type(id);
        if (t instanceof BtfType.Struct) {
            return ((BtfType.Struct) t).members();
        }
        if (t instanceof BtfType.Union) {
            return ((BtfType.Union) t).members();
        }
        throw new Invalid("[" + id + "] is " + t.kind() + ", not a struct or union");
    }

    static List<BtfType.EnumValue> enumerators(Btf b, int id) {
        BtfType t = b.type(id);
        if (t instanceof BtfType.Enum) {
            return ((BtfType.Enum) t).values();
        }
        if (t instanceof BtfType.Enum64) {
            return ((BtfType.Enum64) t).values();
        }
        throw new Invalid("[" + id + "] is " + t.kind() + ", not an enum");
    }

    // ---------------------------------------------------------------- patching

    private static final int BPF_LD = 0x00;
    private static final int BPF_LDX = 0x01;
    private static final int BPF_ST = 0x02;
    private static final int BPF_STX = 0x03;
    private static final int BPF_ALU = 0x04;
    private static final int BPF_ALU64 = 0x07;
    private static final int BPF_X = 0x08;

    private void patch(long[] insns, int relIdx, BtfExt.CoreRelocation r, Result res) {
        int i = r.insnIndex();
        long insn = insns[i];
        int op = Instructions.opcode(insn);
        int cls = op & 0x07;
        if (res.poison) {
            poison(insns, i);
            return;
        }
        long orig = res.origVal;
        long nv = res.newVal;
        switch (cls) {
            case BPF_ALU:
            case BPF_ALU64: {
                if ((op & BPF_X) != 0) {
                    throw error(relIdx, r, "instruction #" + i + " (ALU) uses a register source, expected an immediate");
                }
                long imm = Instructions.imm(insn); // s32 sign-extended, compared with a u64 as C does
                if (res.validate && imm != orig) {
                    throw error(relIdx, r, "instruction #" + i + " (ALU/ALU64) holds " + imm + ", expected " + orig
                            + " (the object's BTF does not match its code)");
                }
                insns[i] = Instructions.withImm(insn, (int) nv);
                return;
            }
            case BPF_LDX:
            case BPF_ST:
            case BPF_STX: {
                long off = Instructions.off(insn);
                if (res.validate && off != orig) {
                    throw error(relIdx, r, "instruction #" + i + " (LDX/ST/STX) has offset " + off + ", expected "
                            + orig);
                }
                if (Long.compareUnsigned(nv, Short.MAX_VALUE) > 0) {
                    throw error(relIdx, r, "instruction #" + i + " (LDX/ST/STX): offset " + nv
                            + " does not fit the 16-bit signed offset");
                }
                if (res.failMemszAdjust) {
                    res.poison = true;
                    res.why = "field size changed from " + res.origSz + " to " + res.newSz + " bytes for a type that is "
                            + "neither a pointer nor an unsigned integer; access pointers, unsigned integers or fields "
                            + "of matching type and size";
                    poison(insns, i);
                    return;
                }
                insn = Instructions.withOff(insn, (int) nv);
                if (res.newSz != res.origSz) {
                    int bytes = sizeBytes(op);
                    if (bytes != res.origSz) {
                        throw error(relIdx, r, "instruction #" + i + " (LDX/ST/STX) accesses " + bytes
                                + " bytes, expected " + res.origSz);
                    }
                    int code = sizeCode(res.newSz);
                    if (code < 0) {
                        throw error(relIdx, r, "instruction #" + i + " (LDX/ST/STX): new field size " + res.newSz
                                + " is not 1, 2, 4 or 8 bytes");
                    }
                    insn = (insn & ~0xffL) | ((op & ~0x18) | code);
                }
                insns[i] = insn;
                return;
            }
            case BPF_LD: {
                if (op != Instructions.OP_LD_IMM64 || i + 1 >= insns.length || Instructions.src(insn) != 0
                        || Instructions.off(insn) != 0 || Instructions.opcode(insns[i + 1]) != 0
                        || Instructions.dst(insns[i + 1]) != 0 || Instructions.src(insns[i + 1]) != 0
                        || Instructions.off(insns[i + 1]) != 0) {
                    throw error(relIdx, r, "instruction #" + i + " (LDIMM64) has an unexpected form");
                }
                long imm = Integer.toUnsignedLong(Instructions.imm(insn)) | ((long) Instructions.imm(insns[i + 1]) << 32);
                if (res.validate && imm != orig) {
                    throw error(relIdx, r, "instruction #" + i + " (LDIMM64) holds " + imm + ", expected " + orig);
                }
                insns[i] = Instructions.withImm(insn, (int) nv);
                insns[i + 1] = Instructions.withImm(insns[i + 1], (int) (nv >>> 32));
                return;
            }
            default:
                throw error(relIdx, r, String.format("instruction #%d cannot be relocated: code 0x%x, src %d, dst %d, "
                                + "off %d, imm %d", i, op, Instructions.src(insn), Instructions.dst(insn),
                        Instructions.off(insn), Instructions.imm(insn)));
        }
    }

    /** {@code call 0xbad2310}; the second slot of a ld_imm64 too, so the verifier does not see opcode 0. */
    private static void poison(long[] insns, int i) {
        long p = Instructions.encode(Instructions.OP_CALL, 0, 0, 0, POISON_HELPER_ID);
        if (Instructions.opcode(insns[i]) == Instructions.OP_LD_IMM64 && i + 1 < insns.length) {
            insns[i + 1] = p;
        }
        insns[i] = p;
    }

    /** BPF_SIZE: W 0x00 = 4, H 0x08 = 2, B 0x10 = 1, DW 0x18 = 8. */
    private static int sizeBytes(int op) {
        switch (op & 0x18) {
            case 0x00: return 4;
            case 0x08: return 2;
            case 0x10: return 1;
            default: return 8;
        }
    }

    private static int sizeCode(int bytes) {
        switch (bytes) {
            case 1: return 0x10;
            case 2: return 0x08;
            case 4: return 0x00;
            case 8: return 0x18;
            default: return -1;
        }
    }

    private BpfObjectException error(int relIdx, BtfExt.CoreRelocation r, String problem) {
        String type;
        try {
            type = "[" + r.typeId() + "] " + local.kind(r.typeId()).name().toLowerCase() + " "
                    + local.typeName(r.typeId());
        } catch (RuntimeException e) {
            type = "[" + r.typeId() + "]";
        }
        return new BpfObjectException(local.file(), ".BTF.ext", -1, "CO-RE relocation #" + relIdx + " (" + r.kind()
                + " of " + type + " '" + r.accessString() + "' at instruction #" + r.insnIndex() + "): " + problem);
    }
}
