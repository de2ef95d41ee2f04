"""Version 2 of the consent documents (issue 8 item 15), in our own plain words.

Changes from version 1: bone marrow concentrate (and PRP) is said plainly to be not approved
by the FDA for any orthopaedic or pain condition, with no claim about regulatory status;
the rheumatoid-arthritis sentence says there are no trials; the risks of a spinal injection
(dural puncture and a headache worse upright, nerve-root injury, injection into a blood
vessel, disc infection); a harvest that yields too little or a product that fails its
checks means no injection; cortisone adds fat thinning and tendon weakening; the call-back
list is the full one of domain.md §4, with the emergency number for chest pain,
breathlessness or collapse.

Self-contained on purpose: the text of a published version must never change when the
application code does. Version 1 stays; a consent already signed keeps its version, and an
unsigned draft on version 1 can no longer be signed (consent_patient_sign). Sources:
MISSION.md, domain.md §4 (adverse events, call-back triggers, Centeno 2016 registry), §6
(state of the evidence, consent statements), §7 (CSI evidence).
"""

from datetime import UTC, datetime

from django.db import migrations

VERSION = 2
# Version 1 came into force on 1 January 2026; this one the same day at noon, so every
# date the application sees has it (a newer version always wins).
EFFECTIVE = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

YOUR_CHOICE = (
    "Your choice\n\n"
    "You do not have to have this treatment. Other options include continuing your current "
    "care, exercise and physiotherapy, weight management, pain medicines, a cortisone "
    "injection, or a surgical opinion. You can ask questions at any time, take this form home "
    "before deciding, and change your mind up to the moment the treatment starts."
)
REGISTRY = (
    "How we follow you up\n\n"
    "We will ask you short questionnaires about your pain and function before treatment and "
    "at set times afterwards (from 2 weeks up to 2 years), and we record any side effects. "
    "This lets the clinic measure honestly how its patients do. Your answers are stored "
    "securely; any research use is de-identified."
)
CONTACT = (
    "When to call us\n\n"
    "Call the clinic the same day, day or night, if you have: a temperature of 38.0 °C "
    "(100.4 °F) or more; redness that spreads, red streaks or pus; bleeding that does not "
    "stop after 10 to 15 minutes of firm pressure; swelling that keeps growing or becomes "
    "tense; a hot, swollen joint or one you cannot put weight on; pain that is still getting "
    "worse after 3 days; new weakness or numbness, numbness between the legs, or any change "
    "in bladder or bowel control; a headache that is worse when you sit or stand up; swelling "
    "or pain in a calf; or hives. Your written instructions give the numbers to call, "
    "including after hours.\n\n"
    "Call your emergency number straight away for chest pain, shortness of breath or "
    "collapse."
)
SPINE = (
    "If your spine is treated\n\n"
    "An injection into or next to the spine (a facet joint, a disc or the epidural space) "
    "has further risks:\n"
    "- A puncture of the membrane around the spinal nerves (a dural puncture). It can cause "
    "a headache that is worse when you sit or stand and eases when you lie down; it usually "
    "settles, sometimes with treatment.\n"
    "- Injury to a nerve root, causing pain, numbness or weakness in a leg or arm; this is "
    "usually temporary and rarely lasting.\n"
    "- Injection into a blood vessel instead of the target. We check the needle position "
    "with X-ray, and usually a small amount of contrast dye, to lower this risk.\n"
    "- Infection of a disc (discitis). This is rare but serious, and may need weeks of "
    "antibiotics."
)
HARVEST_WHAT = (
    "What happens\n\n"
    "About 60 mL of bone marrow (about four tablespoons) is taken from the back of your hip "
    "bone (the iliac crest) through a needle, after the skin is cleaned and numbed with a "
    "local anaesthetic (lidocaine). The needle is guided with fluoroscopy, a live X-ray. The "
    "marrow is spun in a centrifuge in our lab to concentrate the cells, and the concentrate "
    "is injected into the area being treated, also with image guidance. The visit takes 2 to "
    "3 hours. Because the cells are your own, your body is not expected to reject them; that "
    "does not mean side effects cannot happen. They can, and they are listed below.\n\n"
    "Sometimes too little marrow can be drawn, or the concentrate does not pass our "
    "laboratory checks. If that happens, nothing is injected that day, and we talk with you "
    "about what to do next."
)
HARVEST_RISKS = (
    "Risks and side effects\n\n"
    "- Pain and soreness at the hip where the marrow was taken, usually for a few days.\n"
    "- Bruising or a collection of blood (haematoma) at the hip or the injection site.\n"
    "- A flare of pain and swelling in the treated area for about 2 to 5 days; this is "
    "common and expected.\n"
    "- Feeling faint or fainting during the procedure (a vasovagal episode).\n"
    "- Infection at the hip or in the treated joint; this is uncommon but can be serious.\n"
    "- A small dose of radiation from the fluoroscopy X-ray.\n"
    "- Rarely, serious bleeding, nerve irritation, or a reaction to the local anaesthetic.\n"
    "In the largest published registry of this treatment (2,372 patients, Centeno 2016), "
    "about 12 in 100 patients had a side effect and about 1.5 in 100 had a serious one; the "
    "most common were pain from the procedure and pain from the condition getting worse."
)
HARVEST_EVIDENCE = (
    "What the evidence says\n\n"
    "The studies of bone marrow concentrate are small and mostly short-term. In a trial where "
    "25 people had marrow concentrate in one knee and salt water (saline) in the other, both "
    "knees improved about the same (Shapiro 2017). A trial comparing it with platelet-rich "
    "plasma found both groups improved, with no difference at one year (Anz 2020). The 2019 "
    "American College of Rheumatology and Arthritis Foundation guideline recommends against "
    "stem-cell injections for knee and hip osteoarthritis. For the spine, shoulder and "
    "sacroiliac joint there are only small studies without a proper comparison group. There "
    "are no trials of bone marrow concentrate in rheumatoid arthritis, so for that condition "
    "its benefit and its risks are unknown. We cannot promise that you will improve, how "
    "much, or for how long. This treatment is not known to rebuild cartilage."
)
BMAC_STATUS = (
    "Regulatory status\n\n"
    "Bone marrow concentrate is not approved by the US Food and Drug Administration (FDA) for "
    "any orthopaedic or pain condition, including the one it is offered to you for. The "
    "clinic makes no claim about the treatment's regulatory status."
)
AFTER_HARVEST = (
    "Afterwards\n\n"
    "Ice packs help the hip. Do not take anti-inflammatory medicines (NSAIDs such as "
    "ibuprofen or naproxen) for the days we give you in writing, before and after the "
    "procedure; paracetamol (acetaminophen) is allowed. You need an adult to drive you home."
)
COST = (
    "Cost\n\n"
    "Ask us for the full price in writing before you decide, and check with your insurer "
    "whether any of it is covered."
)


def _doc(title, *sections):
    return {"title": title, "body": "\n\n".join(sections)}


DOCUMENTS = {
    "bmac": _doc(
        "Consent to bone marrow concentrate (BMAC) injection",
        HARVEST_WHAT,
        HARVEST_RISKS,
        SPINE,
        HARVEST_EVIDENCE,
        BMAC_STATUS,
        AFTER_HARVEST,
        COST,
        YOUR_CHOICE,
        REGISTRY,
        CONTACT,
    ),
    "bmac_prp": _doc(
        "Consent to bone marrow concentrate with platelet-rich plasma",
        HARVEST_WHAT
        + "\n\nA small tube of blood is also taken from your arm to prepare platelet-rich "
        "plasma (PRP), which is injected together with the marrow concentrate.",
        HARVEST_RISKS + "\n- Bruising where the blood was taken from your arm.",
        SPINE,
        HARVEST_EVIDENCE
        + " Adding platelet-rich plasma has not been shown to make the result better.",
        BMAC_STATUS,
        AFTER_HARVEST,
        COST,
        YOUR_CHOICE,
        REGISTRY,
        CONTACT,
    ),
    "csi": _doc(
        "Consent to corticosteroid (cortisone) injection",
        "What happens\n\n"
        "After the skin is cleaned, a corticosteroid (for example triamcinolone), usually "
        "mixed with a local anaesthetic, is injected into or next to the painful joint or "
        "structure, often with ultrasound or X-ray guidance. It takes about 30 minutes. "
        "Cortisone reduces inflammation and pain; it does not repair tissue.",
        "Risks and side effects\n\n"
        "- A flare of pain for a day or two after the injection.\n"
        "- Thinning or lightening of the skin where the needle went in.\n"
        "- Thinning of the fat under the skin at the injection site, which can leave a small "
        "dent that may not recover.\n"
        "- Weakening of a tendon near the injection; rarely, the tendon tears.\n"
        "- Facial flushing for a day or two.\n"
        "- A rise in blood sugar for a few days if you have diabetes: check it more often.\n"
        "- Infection in the joint; this is rare but serious.\n"
        "- Feeling faint, or a reaction to the local anaesthetic.",
        SPINE,
        "What the evidence says\n\n"
        "For knee osteoarthritis, a Cochrane review (27 trials, 1,767 people, low-quality "
        "evidence) found a small-to-moderate benefit for 1 to 6 weeks, a small benefit at "
        "about 3 months and no benefit shown at 6 months. Injections every 3 months for 2 "
        "years gave no pain benefit over salt water and more cartilage loss (McAlindon "
        "2017). Relief is usually temporary, and we limit how often a joint is injected.",
        COST,
        YOUR_CHOICE,
        REGISTRY,
        CONTACT,
    ),
    "nerve_block": _doc(
        "Consent to a nerve block injection",
        "What happens\n\n"
        "After the skin is cleaned, a local anaesthetic, sometimes with a corticosteroid, is "
        "injected next to the nerve that carries the pain, with ultrasound or X-ray guidance. "
        "It takes about 30 minutes.",
        "Risks and side effects\n\n"
        "- Numbness or weakness in the area for some hours; do not drive until it wears off.\n"
        "- Bruising or bleeding at the injection site.\n"
        "- Infection; this is rare.\n"
        "- Feeling faint, or a reaction to the local anaesthetic.\n"
        "- Rarely, injury to a nerve.\n"
        "- If X-ray guidance is used, a small dose of radiation.",
        SPINE,
        "What the evidence says\n\n"
        "A nerve block can relieve pain for a period of days to months; the relief is often "
        "temporary, and it does not repair the joint. We cannot promise how much or for how "
        "long it will help.",
        COST,
        YOUR_CHOICE,
        REGISTRY,
        CONTACT,
    ),
    "prp": _doc(
        "Consent to platelet-rich plasma (PRP) injection",
        "What happens\n\n"
        "A tube of blood is taken from your arm and spun in a centrifuge to concentrate the "
        "platelets. After the skin is cleaned, the platelet-rich plasma is injected into the "
        "treated area, often with ultrasound guidance. The visit takes about an hour.",
        "Risks and side effects\n\n"
        "- A flare of pain and swelling for a few days.\n"
        "- Bruising at the arm or the injection site.\n"
        "- Infection; this is rare.\n"
        "- Feeling faint during the blood draw or injection.",
        SPINE,
        "What the evidence says\n\n"
        "In a trial of 288 people with knee osteoarthritis, pain fell by 2.1 points after PRP "
        "and by 1.8 points after salt water (saline): no meaningful difference (JAMA 2021). "
        "Other studies are small and mixed. We cannot promise that you will improve.",
        "Regulatory status\n\n"
        "The FDA has not approved platelet-rich plasma injections for any joint, tendon or "
        "back condition. The clinic makes no claim about the treatment's regulatory status.",
        COST,
        YOUR_CHOICE,
        REGISTRY,
        CONTACT,
    ),
    "ha": _doc(
        "Consent to hyaluronic acid injection",
        "What happens\n\n"
        "After the skin is cleaned, a gel of hyaluronic acid is injected into the joint, "
        "sometimes with ultrasound guidance. It takes about 30 minutes.",
        "Risks and side effects\n\n"
        "- Pain, warmth and swelling of the joint for a few days; occasionally a marked "
        "inflammatory reaction that needs to be checked.\n"
        "- Bruising at the injection site.\n"
        "- Infection; this is rare.\n"
        "- An allergic reaction; this is rare.",
        "What the evidence says\n\n"
        "Trials show at most a small average benefit over a placebo injection, and guidelines "
        "disagree about its use. We cannot promise that you will improve.",
        COST,
        YOUR_CHOICE,
        REGISTRY,
        CONTACT,
    ),
    "exercise": _doc(
        "Consent to a supervised exercise programme",
        "What happens\n\n"
        "A physiotherapist designs an exercise programme for your joint and checks your "
        "progress. No injection is given.",
        "Risks and side effects\n\n"
        "- Muscle soreness for a day or two after new exercises.\n"
        "- A temporary increase in joint pain; tell your physiotherapist and the programme is "
        "adjusted.",
        "What the evidence says\n\n"
        "Exercise is recommended for knee and hip osteoarthritis by major guidelines; the "
        "benefit is usually moderate and depends on keeping it up.",
        YOUR_CHOICE,
        REGISTRY,
        "When to call us\n\n"
        "Tell your physiotherapist or the clinic if pain keeps increasing or a joint becomes "
        "hot and swollen. Call your emergency number straight away for chest pain, shortness "
        "of breath or collapse during exercise.",
    ),
}


def publish_v2(apps, schema_editor):
    ConsentDocument = apps.get_model("intake", "ConsentDocument")
    for treatment, doc in DOCUMENTS.items():
        ConsentDocument.objects.get_or_create(
            treatment=treatment,
            version=VERSION,
            defaults={"title": doc["title"], "body": doc["body"], "effective_from": EFFECTIVE},
        )


def unpublish_v2(apps, schema_editor):
    ConsentDocument = apps.get_model("intake", "ConsentDocument")
    Consent = apps.get_model("intake", "Consent")
    used = Consent.objects.values("document_id")
    ConsentDocument.objects.filter(version=VERSION).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0004_holds_settings_snapshots_day_check")]

    operations = [migrations.RunPython(publish_v2, unpublish_v2)]
